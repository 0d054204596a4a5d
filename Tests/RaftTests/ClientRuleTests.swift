import ConsensusCore
import Testing
@testable import Raft

/// Client interaction rules (Raft §8) that need a hand-made log, one per test, driving a single replica
/// directly. The rest read better as scenarios: testdata/clients.txt, stale-leader.txt.
@Suite("Raft client rules")
struct ClientRuleTests {
    let put = ClientRequest(client: ClientID(3), sequence: 1, command: .put(Key(5), Value(tag: 77, size: 16)))

    @Test("a new leader recognises a retry of a request its predecessor appended")
    func newLeaderRecognisesInheritedRequest() {
        // Node 0 holds the previous leader's uncommitted entry for `put`.
        let inherited = Raft.Entry(term: 1, request: put)
        let r = makeReplica(id: 0, n: 3, durable: Raft.DurableState(currentTerm: 1, votedFor: nil, log: Raft.Log([inherited])))
        r.electLeader(voters: [1])
        #expect(r.currentTerm == 2)
        let retry = r.request(put)
        #expect(r.lastIndex == 2, "the old entry and the new no-op; no duplicate")
        #expect(retry.sent.isEmpty)
        r.acknowledge(from: 1, through: 2)
        // The probe answered through 2, so the term-2 no-op commits the inherited entry with it.
        #expect(r.commitIndex == 2)
    }

    @Test("a duplicate committed twice executes once")
    func duplicateInLogExecutesOnce() {
        // Two leaders each appended the same request (the client retried after a crash).
        let log = Raft.Log([Raft.Entry(term: 1, request: put), Raft.Entry(term: 2, request: put)])
        let r = makeReplica(id: 1, n: 3, durable: Raft.DurableState(currentTerm: 2, votedFor: nil, log: log))
        let out = r.deliver(.appendEntries(Raft.AppendEntries(term: 2, prevLogIndex: 2, prevLogTerm: 2, entries: .none, leaderCommit: 2)), from: 0)
        #expect(out.applied.map(\.executed) == [true, false])
        #expect(r.stateMachine.executedCount == 1)
    }
}
