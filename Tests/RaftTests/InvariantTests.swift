import ConsensusCore
import Testing
@testable import Raft

/// `checkInvariants()` traps, which a test cannot watch; `invariantViolation()` is what it asserts on.
/// Each test corrupts one piece of state the way a bug would and expects the check to name it.
@Suite("Raft invariants")
struct InvariantTests {
    func leader() -> Raft.Replica {
        let r = makeReplica(id: 0, n: 3)
        r.electLeader(voters: [1, 2])
        #expect(r.role == .leader)
        return r
    }

    @Test("a leader that replicated and committed an entry breaks no invariant")
    func healthyLeaderPasses() {
        let r = leader()
        r.request(ClientRequest(client: ClientID(1), sequence: 1, command: .put(Key(1), Value(tag: 1, size: 16))))
        r.acknowledge(from: 1, through: r.lastIndex)
        #expect(r.commitIndex == r.lastIndex)
        #expect(r.invariantViolation() == nil)
    }

    @Test("a commit index past the last log index is caught, with the replica's state in the message")
    func commitPastLastIndex() {
        let r = makeReplica()
        r.commitIndex = 5
        let violation = r.invariantViolation()
        #expect(violation?.hasPrefix("raft replica 0 (follower, term 0") == true)
        #expect(violation?.hasSuffix("commitIndex 5 past the last log index 0") == true, "\(violation ?? "nil")")
    }

    @Test("a second vote in the same term is caught")
    func secondVoteInOneTerm() {
        let r = makeReplica()
        r.currentTerm = 2
        r.votedFor = NodeID(1)
        #expect(r.invariantViolation() == nil)
        r.votedFor = NodeID(2)
        #expect(r.invariantViolation()?.hasSuffix("voted twice in term 2: for 1, now 2") == true)
    }

    @Test("a log whose terms decrease is caught")
    func decreasingLogTerms() {
        let r = makeReplica()
        r.currentTerm = 3
        r.log = logWithTerms([1, 3, 2])
        #expect(r.invariantViolation()?.hasSuffix("entry 3 of term 2 follows one of term 3") == true)
    }

    @Test("a leader's matchIndex past its own log is caught")
    func matchIndexPastLastIndex() {
        let r = leader()
        r.progress[1].match = r.lastIndex + 1
        r.progress[1].next = r.lastIndex + 2
        #expect(r.invariantViolation()?.contains("matchIndex \(r.lastIndex + 1) of 1 past the last index") == true)
    }

    @Test("a term that goes back is caught")
    func termGoesBack() {
        let r = makeReplica()
        r.currentTerm = 4
        #expect(r.invariantViolation() == nil)
        r.currentTerm = 3
        #expect(r.invariantViolation()?.hasSuffix("term went back from 4 to 3") == true)
    }
}
