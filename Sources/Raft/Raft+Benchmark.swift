import ConsensusCore

// What the suite's command line and reports need to know about Raft (ConsensusCore.BenchmarkedReplica).

extension Raft.Replica: BenchmarkedReplica {
    public static func settings(_ common: CommonSettings, _ options: ProtocolOptionValues) -> Raft.Settings {
        Raft.Settings(maxBatch: common.batch, maxInflight: common.pipeline)
    }

    /// Per operation: the request, an AppendEntries to each of the n−1 followers and its answer, the
    /// reply; the commit index rides on the next AppendEntries (§5.3).
    public static func expectedMessagesPerOperation(replicas n: Double, options: ProtocolOptionValues) -> Double {
        2 * n
    }

    public static var expectedCurves: [ExpectedCurve] { [ExpectedCurve(formula: "2n", who: "Raft", dash: "8 5")] }
}
