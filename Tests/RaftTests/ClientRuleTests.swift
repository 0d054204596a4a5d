import ConsensusCore
import Testing
@testable import Raft

/// Client interaction rules (Raft §8), one per test, driving a single replica directly.
@Suite("Raft client rules")
struct ClientRuleTests {
    let put = ClientRequest(client: ClientID(3), sequence: 1, command: .put(Key(5), Value(tag: 77, size: 16)))

    /// A leader of term 1 in a 3-node cluster whose no-op is committed.
    func leader() -> Raft.Replica {
        let r = makeReplica(id: 0, n: 3)
        r.electLeader(voters: [1])
        r.acknowledge(from: 1, through: 1)
        r.acknowledge(from: 2, through: 1)
        return r
    }

    @Test("a follower redirects clients to the leader")
    func followerRedirects() {
        let r = makeReplica(id: 1, n: 3)
        let unknown = r.request(put)
        #expect(unknown.replies == [ClientReply(client: ClientID(3), sequence: 1, replica: NodeID(1), outcome: .redirect(hint: nil))])
        r.deliver(.appendEntries(Raft.AppendEntries(term: 1, prevLogIndex: 0, prevLogTerm: 0, entries: .none, leaderCommit: 0)), from: 2)
        let known = r.request(put)
        #expect(known.replies == [ClientReply(client: ClientID(3), sequence: 1, replica: NodeID(1), outcome: .redirect(hint: NodeID(2)))])
        #expect(r.lastIndex == 0, "a follower appends nothing")
    }

    @Test("a leader replies only after the entry commits and is applied")
    func leaderRepliesAfterCommit() {
        let r = leader()
        let accepted = r.request(put)
        #expect(accepted.replies.isEmpty)
        #expect(r.lastIndex == 2)
        let committed = r.acknowledge(from: 2, through: 2)
        #expect(r.commitIndex == 2)
        #expect(committed.applied.map(\.position) == [2])
        #expect(committed.replies == [ClientReply(client: ClientID(3), sequence: 1, replica: NodeID(0), outcome: .executed(.value(nil)))])
        #expect(r.stateMachine.store[Key(5)] == Value(tag: 77, size: 16))
    }

    @Test("a retry of a request still in the log is not appended twice")
    func pendingRetryNotAppended() {
        let r = leader()
        r.request(put)
        let retry = r.request(put)
        #expect(r.lastIndex == 2)
        #expect(retry.sent.isEmpty && retry.replies.isEmpty)
        let committed = r.acknowledge(from: 1, through: 2)
        #expect(committed.replies.count == 1)
    }

    @Test("a retry of an executed request is answered from the session table at once")
    func executedRetryAnsweredFromCache() {
        let r = leader()
        r.request(put)
        r.acknowledge(from: 1, through: 2)
        let retry = r.request(put)
        #expect(retry.replies == [ClientReply(client: ClientID(3), sequence: 1, replica: NodeID(0), outcome: .executed(.value(nil)))])
        #expect(r.lastIndex == 2, "no second log entry")
        #expect(retry.sent.isEmpty)
    }

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

    @Test("a leader that steps down redirects the clients it was serving")
    func steppingDownRedirectsWaitingClients() {
        let r = leader()
        r.request(put)
        let out = r.deliver(.appendEntries(Raft.AppendEntries(term: 2, prevLogIndex: 0, prevLogTerm: 0, entries: .none, leaderCommit: 0)), from: 2)
        #expect(r.role == .follower)
        #expect(out.replies == [ClientReply(client: ClientID(3), sequence: 1, replica: NodeID(0), outcome: .redirect(hint: NodeID(2)))])
    }

    @Test("reads go through the log too")
    func readsGoThroughLog() {
        let r = leader()
        let out = r.request(ClientRequest(client: ClientID(4), sequence: 1, command: .get(Key(5))))
        #expect(out.replies.isEmpty)
        #expect(r.lastIndex == 2)
        let done = r.acknowledge(from: 1, through: 2)
        #expect(done.replies.first?.outcome == .executed(.value(nil)))
    }
}
