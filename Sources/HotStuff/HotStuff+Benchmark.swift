import ConsensusCore

// What the suite's command line and reports need to know about HotStuff (ConsensusCore.BenchmarkedReplica).

extension HotStuff.Replica: BenchmarkedReplica {
    public static var options: [ProtocolOption] {
        [.integer("checkpoint-interval", column: "checkpoint_interval",
                  help: "PBFT sequence numbers, HotStuff committed heights, between checkpoints", minimum: 1, default: 128)]
    }

    public static func settings(_ common: CommonSettings, _ options: ProtocolOptionValues) -> HotStuff.Settings {
        HotStuff.Settings(maxBatch: common.batch, checkpointInterval: options.integer("checkpoint-interval", default: 128))
    }

    /// Per operation, with each client sending to every replica: n requests, the leader's proposal to
    /// the n−1 others, n−1 votes to the next leader (its own vote stays local), n replies: 4n−2. Each
    /// block's QC rides on the next proposal; NEW-VIEWs happen only on timeouts.
    public static func expectedMessagesPerOperation(replicas n: Double, options: ProtocolOptionValues) -> Double {
        4 * n - 2
    }

    public static var expectedCurves: [ExpectedCurve] { [ExpectedCurve(formula: "4n−2", who: "HotStuff", dash: "2 3")] }

    /// HotStuff signs everything (no MAC vector to split), and its clients send no authenticator here,
    /// so a leader altering a request is a fault it was not built to stop.
    public static func behaviorProblem(_ behavior: ByzantineBehavior, _ options: ProtocolOptionValues) -> String? {
        switch behavior {
        case .splitAuth: return "hotstuff signs every message (there is no MAC vector to split)"
        case .forge: return "hotstuff's clients do not authenticate their requests here, so forged requests are not a fault it tolerates"
        default: return nil
        }
    }

    /// One memo of valid signatures per simulated run (see `Settings.signatureMemo`).
    public static func forSimulation(_ settings: HotStuff.Settings) -> HotStuff.Settings {
        var s = settings
        s.signatureMemo = SignatureMemo()
        return s
    }

    /// Two seeds in three checkpoint every 16 or 64 heights, so pruning, state transfer and restarts
    /// from a checkpoint all meet the faults in a short run.
    public static func faultSearchOptions(seed: UInt64) -> ProtocolOptionValues {
        switch seed % 3 {
        case 1: return ProtocolOptionValues(["checkpoint-interval": "16"])
        case 2: return ProtocolOptionValues(["checkpoint-interval": "64"])
        default: return ProtocolOptionValues()
        }
    }
}
