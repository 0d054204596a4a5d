import ConsensusCore
import Harness
import ShellKit
import Testing

/// What PBFT's quadratic messages buy: the same Byzantine replica that breaks Raft and Multi-Paxos
/// (which tolerate crash faults only) leaves PBFT safe, up to f of them.
@Suite("The price of BFT")
struct PriceOfBFTTests {
    static func run(_ protocolName: String, nodes: Int? = nil, byzantine: [String], allowUnsafe: Bool = false,
                    duration: Interval = .milliseconds(400), alsoScheduled: [ScheduledFault] = []) throws -> (ResolvedExperiment, RunResult) {
        var s = ExperimentSpec()
        s.protocolName = protocolName
        s.nodes = nodes
        s.seed = 5
        s.warmup = .milliseconds(100)
        s.duration = duration
        s.quietPeriod = .milliseconds(300)
        s.allowUnsafe = allowUnsafe
        s.faultSchedule = try byzantine.map { try FaultParsing.byzantine($0) } + alsoScheduled
        let resolved = try ResolvedExperiment(s)
        return (resolved, try resolved.run())
    }

    @Test("an equivocating leader breaks a crash-fault protocol, the safety monitor says so, and the run was warned about",
          arguments: ["raft", "multipaxos"])
    func equivocatingLeaderBreaksCrashFaultProtocols(protocolName: String) throws {
        let (resolved, result) = try Self.run(protocolName, byzantine: ["0:equivocate"])
        #expect(resolved.warnings.contains { $0.contains("tolerates crash faults only") }, "\(resolved.warnings)")
        #expect(!result.violations.isEmpty)
        #expect(!result.isSafe)
    }

    @Test("a lying leader's replies make a crash-fault protocol's history non-linearizable", arguments: ["raft", "multipaxos"])
    func lyingLeaderBreaksCrashFaultProtocols(protocolName: String) throws {
        let (_, result) = try Self.run(protocolName, byzantine: ["0:lie"])
        #expect(result.linearizable == "false", "\(result.linearizable)")
        #expect(result.violations.isEmpty, "the replicas themselves agree: only the replies lie (\(result.violations))")
    }

    @Test("PBFT's clients wait for f+1 matching replies: f liars fool no one", arguments: [4, 7])
    func pbftSurvivesFLiars(nodes: Int) throws {
        let liars = (0 ..< (nodes - 1) / 3).map { "\($0):lie" }
        let (resolved, result) = try Self.run("pbft", nodes: nodes, byzantine: liars)
        #expect(resolved.warnings.isEmpty, "\(resolved.warnings)")
        #expect(result.isSafe, "\(result.violations) \(result.linearizable)")
        #expect(result.ops > 0)
    }

    @Test("f+1 colluding liars do fool PBFT's clients, and the checker catches it")
    func pbftFallsToFPlusOneLiars() throws {
        let (_, result) = try Self.run("pbft", nodes: 4, byzantine: ["0:lie", "1:lie"], allowUnsafe: true)
        #expect(result.linearizable == "false", "\(result.linearizable)")
    }

    /// Raft and Multi-Paxos trust whoever brings a lagging replica up to date: the leader's
    /// AppendEntries of committed entries, or a catch-up answer. (PBFT's side, f outvoted and f+1 not,
    /// is in the PBFT tests.)
    @Test("a replica catching up from a leader that sends a wrong state applies it, and the safety monitor says so",
          arguments: ["raft", "multipaxos"])
    func wrongStateBreaksCrashFaultProtocols(protocolName: String) throws {
        let (_, result) = try Self.run(protocolName, nodes: 3, byzantine: ["0:wrong-state"], duration: .milliseconds(1200),
                                       alsoScheduled: [try FaultParsing.crash("1@200ms"), try FaultParsing.restart("1@800ms")])
        #expect(result.violations.contains { $0.contains("agreement violated") }, "\(result.violations)")
    }
}
