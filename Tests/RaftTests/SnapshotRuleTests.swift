import ConsensusCore
import Harness
import LockstepTesting
import ShellKit
import Simulation
import Testing
@testable import Raft

/// Log compaction (Raft §7), driven through the simulator with fixed seeds.
@Suite("Raft log compaction")
struct SnapshotRuleTests {
    static func settings(interval: Int) -> Raft.Settings {
        var s = Raft.Settings()
        s.snapshotInterval = interval
        return s
    }

    @Test("each server compacts its log once the interval's entries are applied, and keeps only what follows")
    func compactsOnItsOwn() {
        let seed: UInt64 = 21
        let sim = RaftSimulationTests.simulator(n: 3, seed: seed, clients: 8, settings: Self.settings(interval: 100))
        sim.run(until: ms(1500))
        #expect(sim.completedInWindow > 1000 || sim.records.count > 1000, "seed \(seed): \(sim.records.count) operations")
        for i in 0 ..< 3 {
            let r = sim.replica(NodeID(i))
            #expect(r.log.snapshotIndex >= 100, "seed \(seed): replica \(i) never compacted (applied \(r.lastApplied))")
            #expect(r.log.entries.count < 100 + 64, "seed \(seed): replica \(i) keeps \(r.log.entries.count) entries")
            #expect(r.lastApplied >= r.log.snapshotIndex)
        }
        #expect(sim.safety.violations.isEmpty, "seed \(seed): \(sim.safety.violations)")
        #expect(sim.messageCount(of: "InstallSnapshot") == 0, "seed \(seed): no follower fell behind")
    }

    @Test("a follower back from a crash behind the leader's snapshot catches up by InstallSnapshot and converges",
          arguments: [UInt64(3), 4])
    func laggingFollowerGetsTheSnapshot(seed: UInt64) throws {
        var spec = ExperimentSpec()
        spec.protocolName = "raft"
        spec.nodes = 3
        spec.seed = seed
        spec.protocolOptions["snapshot-interval"] = "200"
        spec.duration = .seconds(1)
        spec.faultSchedule = [try FaultParsing.crash("2@700ms"), try FaultParsing.restart("2@1200ms")]
        let result = try ResolvedExperiment(spec).run()
        let snapshots = result.messageCounts[try #require(result.messageKinds.firstIndex(of: "InstallSnapshot"))]
        #expect(snapshots > 0, "seed \(seed): the restarted follower needed entries the leader had compacted")
        #expect(result.isSafe, "seed \(seed): \(result.violations) linearizable=\(result.linearizable)")
    }

    @Test("a restarted server starts from its snapshot: state machine, commit index and log as they were persisted")
    func restartsFromTheSnapshot() throws {
        let seed: UInt64 = 22
        let sim = RaftSimulationTests.simulator(n: 3, seed: seed, clients: 8, faults: [
            ScheduledFault(at: ms(1000), .crash(.node(NodeID(1)))),
            ScheduledFault(at: ms(1010), .restart(.node(NodeID(1)))),
        ], settings: Self.settings(interval: 50))
        sim.run(until: ms(1005))
        sim.run(until: ms(1011))
        let r = sim.replica(NodeID(1))
        #expect(r.log.snapshotIndex >= 50, "seed \(seed)")
        // (The leader's next AppendEntries may already have moved it on from there.)
        #expect(r.commitIndex >= r.log.snapshotIndex && r.lastApplied >= r.log.snapshotIndex)
        #expect(r.stateMachine.executedCount > 0, "seed \(seed): the state machine came back from the snapshot")
        sim.run(until: ms(2000))
        #expect(sim.safety.violations.isEmpty, "seed \(seed): \(sim.safety.violations)")
    }

    @Test("a snapshot no further than the follower's commit index changes nothing, and is acknowledged")
    func staleSnapshotIgnored() {
        let sim = RaftSimulationTests.simulator(n: 3, seed: 23, clients: 4, settings: Self.settings(interval: 0))
        sim.run(until: ms(800))
        let follower = (0 ..< 3).map(NodeID.init).first { sim.replica($0).role == .follower }!
        let r = sim.replica(follower)
        let leader = sim.currentLeader!
        let before = (r.commitIndex, r.log.lastIndex, r.stateMachine)
        var outbox = Outbox()
        r.receive(.installSnapshot(Raft.InstallSnapshot(term: r.currentTerm, lastIncludedIndex: 1, lastIncludedTerm: r.log.term(at: 1) ?? 1,
                                                        state: KVStateMachine())), from: leader, now: ms(800), outbox: &outbox)
        #expect(r.commitIndex == before.0 && r.log.lastIndex == before.1 && r.stateMachine == before.2)
        #expect(r.log.snapshotIndex == 0)
    }
}
