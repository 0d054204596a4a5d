import ConsensusCore
import Harness
import ShellKit
import Testing
@testable import HotStuff

/// HotStuff through the whole product path (spec, seed-derived keys, simulator, checker) with fixed
/// seeds: a failure names its seed, and rerunning with it replays the run event for event.
@Suite("HotStuff in the simulator")
struct HotStuffSimulationTests {
    static func run(nodes: Int = 4, seed: UInt64 = 1, faults: [String] = [], byzantine: [String] = [],
                    duration: Interval = .seconds(2), clients: Int = 8, checkpointInterval: Int? = nil,
                    allowUnsafe: Bool = false) throws -> RunResult {
        var s = ExperimentSpec()
        s.protocolName = "hotstuff"
        s.nodes = nodes
        s.seed = seed
        s.workload.clients = clients
        s.warmup = .milliseconds(200)
        s.duration = duration
        s.quietPeriod = .milliseconds(800)
        s.allowUnsafe = allowUnsafe
        if let checkpointInterval { s.protocolOptions["checkpoint-interval"] = String(checkpointInterval) }
        s.faultSchedule = try faults.map { spec -> ScheduledFault in
            let (kind, value) = (String(spec.prefix { $0 != " " }), String(spec.drop { $0 != " " }.dropFirst()))
            switch kind {
            case "crash": return try FaultParsing.crash(value)
            case "restart": return try FaultParsing.restart(value)
            case "partition": return try FaultParsing.partition(value)
            case "heal": return try FaultParsing.heal(value)
            default: throw ExperimentError("unknown fault \(kind)")
            }
        } + byzantine.map { try FaultParsing.byzantine($0) }
        return try ResolvedExperiment(s).run()
    }

    static func expectSafeAndLive(_ r: RunResult, _ what: String, minimumOps: Int = 200) {
        #expect(r.isSafe, "\(what): \(r.violations) linearizable=\(r.linearizable)")
        #expect(r.linearizable == "true", "\(what): \(r.linearizable)")
        #expect(r.ops >= minimumOps, "\(what): \(r.ops) operations completed")
    }

    @Test("messages per operation are 4n−2 (n requests, n−1 proposals, n−1 votes, n replies) within 2 % for n = 4…16",
          arguments: [4, 7, 10, 13, 16])
    func messagesPerOperation(n: Int) throws {
        let r = try Self.run(nodes: n, duration: .seconds(1), clients: 16)
        let expected = HotStuff.Replica.expectedMessagesPerOperation(replicas: Double(n), options: ProtocolOptionValues())
        #expect(abs(r.messagesPerOp - expected) / expected < 0.02, "n=\(n): \(r.messagesPerOp) messages per operation, expected \(expected)")
        Self.expectSafeAndLive(r, "n=\(n)")
    }

    @Test("the leader crashes and restarts from its disk: the others carry on, and it catches up", arguments: [UInt64(1), 2, 3])
    func leaderCrash(seed: UInt64) throws {
        let r = try Self.run(seed: seed, faults: ["crash leader@700ms", "restart leader@1500ms"], duration: .seconds(2), checkpointInterval: 16)
        Self.expectSafeAndLive(r, "seed \(seed)")
        #expect(r.longestStallMillis < 500, "seed \(seed): clients stalled \(r.longestStallMillis) ms")
    }

    @Test("a partition with no quorum on either side stalls the chain, and it resumes after the heal", arguments: [UInt64(4), 5])
    func partitionAndHeal(seed: UInt64) throws {
        let r = try Self.run(seed: seed, faults: ["partition 0,1|2,3@700ms", "heal 1200ms"], duration: .seconds(2.5))
        Self.expectSafeAndLive(r, "seed \(seed)")
        let afterHeal = r.history.filter { ($0.completed?.nanoseconds ?? 0) > Interval.milliseconds(2000).nanoseconds }.count
        #expect(afterHeal > 100, "seed \(seed): \(afterHeal) operations completed after the heal")
    }

    @Test("f silent replicas: the rest still form quorums, and each silent leader costs one timeout", arguments: [(4, UInt64(6)), (7, 7)])
    func silentReplicas(n: Int, seed: UInt64) throws {
        let f = (n - 1) / 3
        let r = try Self.run(nodes: n, seed: seed, byzantine: (0 ..< f).map { "\($0 * 2):silent" })
        Self.expectSafeAndLive(r, "n=\(n) seed \(seed)")
    }

    @Test("an equivocating leader proposes two blocks in one view; at most one is certified, and no two replicas diverge",
          arguments: [(4, UInt64(8)), (7, 9)])
    func equivocatingLeader(n: Int, seed: UInt64) throws {
        let f = (n - 1) / 3
        let r = try Self.run(nodes: n, seed: seed, byzantine: (0 ..< f).map { "\($0 * 3 + 1):equivocate" })
        Self.expectSafeAndLive(r, "n=\(n) seed \(seed)")
    }

    @Test("HotStuff is safe and live with f replicas doing each behaviour it models", arguments: [
        ByzantineBehavior.corrupt, .slow, .lie, .wrongState,
    ])
    func eachBehaviour(behavior: ByzantineBehavior) throws {
        // A replica down for a while catches up past a checkpoint, so wrong-state meets a state transfer.
        // While it is down, f+1 replicas are faulty and the chain may stall (timeouts back off); the
        // run goes on long enough after its restart to show the cluster live again.
        let r = try Self.run(nodes: 7, seed: 10, faults: ["crash 6@400ms", "restart 6@1200ms"],
                             byzantine: ["0:\(behavior.rawValue)", "3:\(behavior.rawValue)"], duration: .seconds(3), checkpointInterval: 16)
        Self.expectSafeAndLive(r, "\(behavior)")
        let afterRestart = r.history.filter { ($0.completed?.nanoseconds ?? 0) > Interval.milliseconds(2000).nanoseconds }.count
        #expect(afterRestart > 100, "\(behavior): \(afterRestart) operations completed after the restart")
    }

    @Test("forge and split-auth are refused in one line: HotStuff models neither")
    func unmodelledBehaviours() {
        for behavior in ["forge", "split-auth"] {
            #expect(throws: ExperimentError.self) { try Self.run(byzantine: ["0:\(behavior)"]) }
        }
    }

    @Test("the same seed gives the same run")
    func deterministic() throws {
        let a = try Self.run(seed: 11, faults: ["crash 2@500ms"], duration: .seconds(1))
        let b = try Self.run(seed: 11, faults: ["crash 2@500ms"], duration: .seconds(1))
        #expect(a.ops == b.ops && a.messageCounts == b.messageCounts && a.messageBytes == b.messageBytes)
    }
}
