import ConsensusCore

// What the suite's command line and reports need to know about Multi-Paxos
// (ConsensusCore.BenchmarkedReplica): how followers learn a chosen slot, and how often a replica
// compacts its log (the flag Raft declares too, so one `--snapshot-interval` sets both).

extension MultiPaxos.Replica: BenchmarkedReplica {
    /// The option's default is the settings' own.
    private static var defaultCommitMode: MultiPaxos.Settings.CommitMode { MultiPaxos.Settings().commitMode }

    public static var options: [ProtocolOption] {
        [.snapshotInterval(default: MultiPaxos.defaultSnapshotInterval),
         .choice("paxos-commit", column: "paxos_commit", help: "Multi-Paxos: how followers learn a chosen slot",
                 default: defaultCommitMode)]
    }

    public static func settings(_ common: CommonSettings, _ options: ProtocolOptionValues) -> MultiPaxos.Settings {
        MultiPaxos.Settings(commitMode: options.choice("paxos-commit", default: defaultCommitMode),
                            maxBatch: common.batch, maxInflight: common.pipeline,
                            snapshotInterval: options.integer("snapshot-interval", default: MultiPaxos.defaultSnapshotInterval))
    }

    /// Per operation: the request, an Accept to each of the n−1 acceptors and its Accepted, the reply
    /// (2n); with explicit commits the leader also sends Commit to the n−1 others (3n−1).
    public static func expectedMessagesPerOperation(replicas n: Double, options: ProtocolOptionValues) -> Double {
        switch options.choice("paxos-commit", default: defaultCommitMode) {
        case .piggyback: return 2 * n
        case .explicit: return 3 * n - 1
        }
    }

    /// As Raft's: two seeds in three compact every 50 or 400 slots, so CatchUpSnapshot meets the faults.
    public static func faultSearchOptions(seed: UInt64) -> ProtocolOptionValues { .compactionDraw(seed: seed) }

    public static var expectedCurves: [ExpectedCurve] {
        [ExpectedCurve(formula: "2n", who: "Paxos", dash: "8 5", options: ProtocolOptionValues(["paxos-commit": "piggyback"])),
         ExpectedCurve(formula: "3n−1", who: "Paxos + Commit", dash: "2 4", options: ProtocolOptionValues(["paxos-commit": "explicit"]))]
    }
}
