import ConsensusCore

// What the suite's command line and reports need to know about PBFT (ConsensusCore.BenchmarkedReplica):
// its authenticators and its checkpoint interval are its options.

extension PBFT.Replica: BenchmarkedReplica {
    /// The options' defaults are the settings' own.
    private static var defaults: PBFT.Settings { PBFT.Settings() }

    public static var options: [ProtocolOption] {
        [.choice("auth", column: "auth", help: "PBFT authentication", default: defaults.auth),
         .integer("checkpoint-interval", column: "checkpoint_interval", help: "PBFT sequence numbers between checkpoints",
                  minimum: 1, default: defaults.checkpointInterval)]
    }

    public static func settings(_ common: CommonSettings, _ options: ProtocolOptionValues) -> PBFT.Settings {
        PBFT.Settings(auth: options.choice("auth", default: defaults.auth),
                      checkpointInterval: options.integer("checkpoint-interval", default: defaults.checkpointInterval),
                      maxBatch: common.batch, pipelineDepth: common.pipeline)
    }

    /// Per operation (OSDI'99 §4.2, the client sending to the primary): the request, n−1 PRE-PREPAREs,
    /// (n−1)² PREPAREs (each backup to every other replica), n(n−1) COMMITs, n replies: 2n²−n+1.
    /// Checkpoints add n(n−1) CHECKPOINTs per interval, not per operation, and are left out.
    public static func expectedMessagesPerOperation(replicas n: Double, options: ProtocolOptionValues) -> Double {
        2 * n * n - n + 1
    }

    public static var expectedCurves: [ExpectedCurve] { [ExpectedCurve(formula: "2n²−n+1", who: "PBFT", dash: "12 4 3 4")] }

    /// Only MAC vectors split: a signature verifies everywhere or nowhere, `none` has nothing to split.
    public static func behaviorProblem(_ behavior: ByzantineBehavior, _ options: ProtocolOptionValues) -> String? {
        guard behavior == .splitAuth else { return nil }
        let auth = options.choice("auth", default: defaults.auth)
        return auth == .mac ? nil : "--auth \(auth.rawValue) has none"
    }
}
