import ConsensusCore
import Testing
@testable import Raft

/// Log replication rules (Raft §5.3, §5.4.2) about one replica's bookkeeping (pipelining, windows,
/// matching suffixes), one per test, driving it directly. Scenarios in testdata/ cover the rest:
/// stale leaders, lost entries, the conflict-term shortcut, Figure 8.
@Suite("Raft replication rules")
struct ReplicationRuleTests {
    @Test("a follower keeps matching entries that follow an old or duplicated AppendEntries")
    func matchingSuffixKept() {
        let r = makeReplica(id: 1, n: 3, durable: Raft.DurableState(currentTerm: 3, votedFor: nil, log: logWithTerms([1, 3, 3, 3])))
        let before = r.log
        // A delayed copy of the message that carried entry 2.
        let out = r.deliver(.appendEntries(Raft.AppendEntries(term: 3, prevLogIndex: 1, prevLogTerm: 1,
                                                              entries: .one(before[2]), leaderCommit: 0)), from: 0)
        #expect(r.log == before, "entries 3 and 4 are not lost")
        #expect(!out.persisted)
        #expect(out.appendEntriesResponses.first?.message.outcome == .success(matchIndex: 2))
    }

    @Test("a follower commits up to the leader's commit index, but not past what it knows matches")
    func followerCommitIndex() {
        let r = makeReplica(id: 1, n: 3, durable: Raft.DurableState(currentTerm: 2, votedFor: nil, log: logWithTerms([1, 1, 1])))
        let out = r.deliver(.appendEntries(Raft.AppendEntries(term: 2, prevLogIndex: 1, prevLogTerm: 1, entries: .none, leaderCommit: 3)), from: 0)
        #expect(r.commitIndex == 1, "entries 2 and 3 have not been checked against the leader's log")
        #expect(out.applied.map(\.position) == [1])
        let more = r.deliver(.appendEntries(Raft.AppendEntries(term: 2, prevLogIndex: 3, prevLogTerm: 1, entries: .none, leaderCommit: 3)), from: 0)
        #expect(r.commitIndex == 3)
        #expect(more.applied.map(\.position) == [2, 3])
        #expect(more.applied.allSatisfy { $0.executed })
    }

    @Test("with maxBatch 1 a leader sends each new entry to every follower at once, without waiting")
    func pipelinedReplication() {
        let r = makeReplica(id: 0, n: 3)
        r.electLeader(voters: [1])
        r.acknowledge(from: 1, through: 1)
        r.acknowledge(from: 2, through: 1)
        #expect(r.commitIndex == 1)
        for s in 1 ... UInt64(3) {
            let out = r.request(ClientRequest(client: ClientID(0), sequence: 1, command: .get(Key(s))).with(client: Int(s)))
            #expect(out.appendEntries.map(\.to) == [NodeID(1), NodeID(2)])
            for (m, _) in out.appendEntries {
                #expect(m.entries.count == 1)
                #expect(m.prevLogIndex == s)
                #expect(m.leaderCommit == 1, "the commit index rides along")
            }
            #expect(out.persisted)
            #expect(out.firstPersistIndex! < out.firstSendIndex!)
        }
        #expect(r.nextIndex(of: NodeID(1)) == 5)
        #expect(r.matchIndex(of: NodeID(1)) == 1)
    }

    @Test("with maxBatch > 1 entries wait while the window is full and leave together")
    func batchesFormWhileWindowIsFull() {
        var settings = Raft.Settings()
        settings.maxBatch = 64
        settings.maxInflight = 1
        let r = makeReplica(id: 0, n: 3, settings: settings)
        r.electLeader(voters: [1])
        r.acknowledge(from: 1, through: 1)
        r.acknowledge(from: 2, through: 1)
        let first = r.request(ClientRequest(client: ClientID(0), sequence: 1, command: .get(Key(0))))
        #expect(first.appendEntries.count == 2, "an empty window sends at once")
        for c in 1 ..< 10 {
            let out = r.request(ClientRequest(client: ClientID(c), sequence: 1, command: .get(Key(0))))
            #expect(out.appendEntries.isEmpty, "the window is full")
        }
        let freed = r.acknowledge(from: 1, through: 2)
        #expect(freed.appendEntries.count == 1)
        #expect(freed.appendEntries.first?.message.entries.count == 9)
        #expect(freed.appendEntries.first?.message.prevLogIndex == 2)
    }

    @Test("a rejected AppendEntries resets that follower's pipeline")
    func rejectionResetsPipeline() {
        let r = makeReplica(id: 0, n: 3)
        r.electLeader(voters: [1])
        r.acknowledge(from: 1, through: 1)
        r.acknowledge(from: 2, through: 1)
        for c in 0 ..< 4 { r.request(ClientRequest(client: ClientID(c), sequence: 1, command: .get(Key(0)))) }
        #expect(r.nextIndex(of: NodeID(2)) == 6)
        // The AppendEntries carrying entry 2 was lost: follower 2 rejects the one for entry 3.
        let out = r.deliver(.appendEntriesResponse(Raft.AppendEntriesResponse(
            term: 1, outcome: .rejected(prevLogIndex: 2, conflictTerm: 0, conflictIndex: 2))), from: 2)
        #expect(r.nextIndex(of: NodeID(2)) == 2)
        #expect(out.appendEntries.count == 1, "one probe, not the whole window")
        #expect(out.appendEntries.first?.message.prevLogIndex == 1)
        // The rejections of entries 4 and 5 (sent before the reset) change nothing.
        let stale = r.deliver(.appendEntriesResponse(Raft.AppendEntriesResponse(
            term: 1, outcome: .rejected(prevLogIndex: 3, conflictTerm: 0, conflictIndex: 2))), from: 2)
        #expect(stale.sent.isEmpty)
        #expect(r.nextIndex(of: NodeID(2)) == 2)
        // The probe is accepted: stream the rest.
        let resumed = r.acknowledge(from: 2, through: 2)
        #expect(resumed.appendEntries.map(\.message.prevLogIndex) == [2, 3, 4])
        #expect(r.nextIndex(of: NodeID(2)) == 6)
    }

    @Test("a follower that dropped messages gets a halved window, which reopens as it acknowledges")
    func windowHalvesAfterRejection() {
        var settings = Raft.Settings()
        settings.maxInflight = 4
        let r = makeReplica(id: 0, n: 3, settings: settings)
        r.electLeader(voters: [1])
        r.acknowledge(from: 2, through: 1)
        var sentTo2: [UInt64] = []
        for c in 0 ..< 6 {
            let out = r.request(ClientRequest(client: ClientID(c), sequence: 1, command: .get(Key(0))))
            sentTo2 += out.appendEntries.filter { $0.to == NodeID(2) }.map(\.message.prevLogIndex)
        }
        #expect(sentTo2 == [1, 2, 3, 4], "a full window of four")
        // Entry 3 was lost: the follower rejects the next one and everything after it.
        r.deliver(.appendEntriesResponse(Raft.AppendEntriesResponse(
            term: 1, outcome: .rejected(prevLogIndex: 3, conflictTerm: 0, conflictIndex: 3))), from: 2)
        let resumed = r.acknowledge(from: 2, through: 3)
        #expect(resumed.appendEntries.map(\.message.prevLogIndex) == [3, 4], "half the window")
        let reopened = r.acknowledge(from: 2, through: 5)
        #expect(reopened.appendEntries.map(\.message.prevLogIndex) == [5, 6], "two acknowledged, two more in flight")
        #expect(r.nextIndex(of: NodeID(2)) == 8)
    }
}

extension ClientRequest {
    func with(client: Int) -> ClientRequest { ClientRequest(client: ClientID(client), sequence: sequence, command: command) }
}
