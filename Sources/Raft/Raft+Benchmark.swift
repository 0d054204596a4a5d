import ConsensusCore

// What the suite's command line and reports need to know about Raft (ConsensusCore.BenchmarkedReplica):
// how often a server compacts its log is its one option.

extension Raft.Replica: BenchmarkedReplica {
    public static var options: [ProtocolOption] {
        [.snapshotInterval(default: Raft.defaultSnapshotInterval)]
    }

    public static func settings(_ common: CommonSettings, _ options: ProtocolOptionValues) -> Raft.Settings {
        var settings = Raft.Settings(maxBatch: common.batch, maxInflight: common.pipeline)
        settings.snapshotInterval = options.integer("snapshot-interval", default: Raft.defaultSnapshotInterval)
        return settings
    }

    /// Per operation: the request, an AppendEntries to each of the n−1 followers and its answer, the
    /// reply; the commit index rides on the next AppendEntries (§5.3). Snapshots are per server and
    /// cost no message unless a follower needs one.
    public static func expectedMessagesPerOperation(replicas n: Double, options: ProtocolOptionValues) -> Double {
        2 * n
    }

    public static var expectedCurves: [ExpectedCurve] { [ExpectedCurve(formula: "2n", who: "Raft", dash: "8 5")] }

    /// Two seeds in three compact every 50 or 400 entries, so InstallSnapshot meets the faults.
    public static func faultSearchOptions(seed: UInt64) -> ProtocolOptionValues { .compactionDraw(seed: seed) }
}
