import ConsensusCore
import Testing
@testable import MultiPaxos

/// `checkInvariants()` traps, which a test cannot watch; `invariantViolation()` is what it asserts on.
/// Each test corrupts one piece of state the way a bug would and expects the check to name it.
@Suite("Multi-Paxos invariants")
struct InvariantTests {
    /// The leader of a one-replica cluster, which chooses (and applies) each request alone.
    func soloLeader(applying requests: [ClientRequest]) -> MultiPaxos.Replica {
        let r = makeReplica(id: 0, n: 1)
        r.campaignNow()
        #expect(r.isLeader)
        for request in requests { r.request(request) }
        #expect(r.firstUnchosenSlot == UInt64(requests.count))
        return r
    }

    @Test("a leader that chose and applied values breaks no invariant")
    func healthyLeaderPasses() {
        let r = soloLeader(applying: [put(sequence: 1), put(sequence: 2)])
        #expect(r.invariantViolation() == nil)
    }

    @Test("a chosen value overwritten below the apply point is caught")
    func chosenValueOverwritten() {
        let r = soloLeader(applying: [put(sequence: 1), put(sequence: 2)])
        r.durable.log[1].value = .one(put(client: 8, sequence: 1))
        let violation = r.invariantViolation()
        #expect(violation?.hasPrefix("multipaxos replica 0 (leader, ballot b1.0, promised b1.0, first unchosen slot 2") == true)
        #expect(violation?.contains("chosen slot 1 was overwritten") == true, "\(violation ?? "nil")")
    }

    @Test("a promise that goes back is caught")
    func promiseGoesBack() {
        let r = makeReplica(id: 1, n: 3)
        r.deliver(.prepare(ballot: ballot(3, 2), fromSlot: 0), from: 2)
        #expect(r.invariantViolation() == nil)
        r.durable.promised = ballot(1, 0)
        #expect(r.invariantViolation()?.hasSuffix("promise went back from b3.2") == true)
    }

    @Test("an apply point that moves back is caught")
    func applyPointGoesBack() {
        let r = soloLeader(applying: [put(sequence: 1), put(sequence: 2)])
        r.firstUnchosenSlot = 1
        #expect(r.invariantViolation()?.hasSuffix("apply point went back from 2") == true)
    }

    @Test("an accepted ballot above the promise is caught")
    func acceptedAbovePromise() {
        let r = makeReplica(id: 1, n: 3)
        r.deliver(.accept(ballot: ballot(1, 0), slot: 0, chosenUpTo: 0, value: .one(put(sequence: 1))), from: 0)
        #expect(r.invariantViolation() == nil)
        r.durable.log[0].ballot = ballot(5, 1)
        #expect(r.invariantViolation()?.hasSuffix("slot 0 accepted under b5.1, above the promise") == true)
    }
}
