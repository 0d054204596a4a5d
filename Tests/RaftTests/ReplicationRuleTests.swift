import ConsensusCore
import Testing
@testable import Raft

/// Log replication rules (Raft §5.3, §5.4.2), one per test, driving a single replica directly.
@Suite("Raft replication rules")
struct ReplicationRuleTests {
    @Test("a follower rejects AppendEntries from a stale term")
    func staleAppendEntriesRejected() {
        let r = makeReplica(id: 1, n: 3, durable: Raft.DurableState(currentTerm: 5, votedFor: nil, log: logWithTerms([1, 5])))
        let out = r.deliver(.appendEntries(Raft.AppendEntries(term: 3, prevLogIndex: 2, prevLogTerm: 5,
                                                              entries: .one(entry(term: 3, sequence: 9)), leaderCommit: 3)), from: 0)
        guard let response = out.appendEntriesResponses.first else { Issue.record("no response"); return }
        #expect(response.to == NodeID(0))
        #expect(response.message.term == 5, "the answer tells the stale leader the current term")
        if case .success = response.message.outcome { Issue.record("a stale AppendEntries was accepted") }
        #expect(r.lastIndex == 2)
        #expect(r.commitIndex == 0)
        #expect(r.knownLeader == nil)
        #expect(r.currentTerm == 5)
    }

    @Test("a leader that learns of a higher term steps down")
    func leaderStepsDownOnHigherTerm() {
        let r = makeReplica(id: 0, n: 3)
        r.electLeader(voters: [1])
        let out = r.deliver(.appendEntriesResponse(Raft.AppendEntriesResponse(
            term: 7, outcome: .rejected(prevLogIndex: 0, conflictTerm: 0, conflictIndex: 0))), from: 2)
        #expect(r.role == .follower)
        #expect(r.currentTerm == 7)
        #expect(out.persisted)
    }

    @Test("a follower rejects AppendEntries whose previous entry it lacks, naming its log's end")
    func consistencyCheckGap() {
        let r = makeReplica(id: 1, n: 3, durable: Raft.DurableState(currentTerm: 2, votedFor: nil, log: logWithTerms([1, 2])))
        let out = r.deliver(.appendEntries(Raft.AppendEntries(term: 2, prevLogIndex: 5, prevLogTerm: 2,
                                                              entries: .one(entry(term: 2, sequence: 6)), leaderCommit: 0)), from: 0)
        #expect(out.appendEntriesResponses.first?.message.outcome == .rejected(prevLogIndex: 5, conflictTerm: 0, conflictIndex: 3))
        #expect(r.lastIndex == 2)
        #expect(r.knownLeader == NodeID(0), "a rejection still acknowledges the leader")
    }

    @Test("a conflicting suffix is truncated")
    func conflictingSuffixTruncated() {
        // Follower: terms 1 1 2 2 (the term-2 entries came from a leader that never committed them).
        let r = makeReplica(id: 1, n: 3, durable: Raft.DurableState(currentTerm: 3, votedFor: nil, log: logWithTerms([1, 1, 2, 2])))
        let incoming = entry(term: 3, sequence: 30)
        let out = r.deliver(.appendEntries(Raft.AppendEntries(term: 3, prevLogIndex: 2, prevLogTerm: 1,
                                                              entries: .one(incoming), leaderCommit: 0)), from: 0)
        #expect(r.log.entries.map(\.term) == [1, 1, 3])
        #expect(r.entry(at: 3) == incoming)
        #expect(out.persisted)
        #expect(out.firstPersistIndex! < out.firstSendIndex!, "the new log is durable before the leader hears of it")
        #expect(out.appendEntriesResponses.first?.message.outcome == .success(matchIndex: 3))
    }

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

    @Test("a leader never commits an earlier-term entry by counting")
    func noCommitOfEarlierTermByCounting() {
        // Figure 8: the leader of term 3 holds an uncommitted entry of term 2 at index 1.
        let r = makeReplica(id: 0, n: 5, durable: Raft.DurableState(currentTerm: 2, votedFor: nil, log: logWithTerms([2])))
        r.electLeader(voters: [1, 2])
        #expect(r.role == .leader)
        #expect(r.currentTerm == 3)
        #expect(r.log.entries.map(\.term) == [2, 3], "the no-op of term 3 follows")

        // A majority (the leader and two followers) now holds index 1, of term 2: not enough.
        r.acknowledge(from: 1, through: 1)
        let counted = r.acknowledge(from: 2, through: 1)
        #expect(r.commitIndex == 0)
        #expect(counted.applied.isEmpty)

        // Once the term-3 no-op is on a majority, both commit.
        r.acknowledge(from: 1, through: 2)
        #expect(r.commitIndex == 0)
        let committed = r.acknowledge(from: 2, through: 2)
        #expect(r.commitIndex == 2)
        #expect(committed.applied.map(\.position) == [1, 2])
    }

    @Test("the conflict-term shortcut moves nextIndex back past the whole conflicting term")
    func conflictTermShortcutSkipsTerm() {
        // Leader of term 5: terms 1 1 4 4 4, then its no-op at 6.
        let r = makeReplica(id: 0, n: 3, durable: Raft.DurableState(currentTerm: 4, votedFor: nil, log: logWithTerms([1, 1, 4, 4, 4])))
        let steps = r.electLeader(voters: [1])
        #expect(r.currentTerm == 5)
        #expect(r.nextIndex(of: NodeID(1)) == 6)
        #expect(steps.last!.appendEntries.first { $0.to == NodeID(1) }?.message.prevLogIndex == 5)

        // Follower 1 holds terms 1 1 2 2 2: it rejects at index 5 (term 2), whose run starts at 3.
        let out = r.deliver(.appendEntriesResponse(Raft.AppendEntriesResponse(
            term: 5, outcome: .rejected(prevLogIndex: 5, conflictTerm: 2, conflictIndex: 3))), from: 1)
        #expect(r.nextIndex(of: NodeID(1)) == 3, "one round trip skips all three term-2 entries")
        let probe = out.appendEntries.first { $0.to == NodeID(1) }?.message
        #expect(probe?.prevLogIndex == 2)
        #expect(probe?.prevLogTerm == 1)
        #expect(probe?.entries == .one(r.entry(at: 3)!))
    }

    @Test("the conflict-term shortcut stops after the leader's own last entry of that term")
    func conflictTermShortcutKeepsSharedTerm() {
        // Leader of term 5: terms 1 3 3 4, then its no-op at 5. Follower 1: terms 1 3 3 3 3.
        let r = makeReplica(id: 0, n: 3, durable: Raft.DurableState(currentTerm: 4, votedFor: nil, log: logWithTerms([1, 3, 3, 4])))
        r.electLeader(voters: [1])
        #expect(r.nextIndex(of: NodeID(1)) == 5)
        r.deliver(.appendEntriesResponse(Raft.AppendEntriesResponse(
            term: 5, outcome: .rejected(prevLogIndex: 4, conflictTerm: 3, conflictIndex: 2))), from: 1)
        #expect(r.nextIndex(of: NodeID(1)) == 4, "the logs agree through the leader's last term-3 entry, index 3")
    }

    @Test("a follower's conflict hint names its conflicting term and where that term starts")
    func followerConflictHint() {
        let r = makeReplica(id: 1, n: 3, durable: Raft.DurableState(currentTerm: 5, votedFor: nil, log: logWithTerms([1, 1, 2, 2, 2])))
        let out = r.deliver(.appendEntries(Raft.AppendEntries(term: 5, prevLogIndex: 5, prevLogTerm: 4,
                                                              entries: .one(entry(term: 5, sequence: 6)), leaderCommit: 0)), from: 0)
        #expect(out.appendEntriesResponses.first?.message.outcome == .rejected(prevLogIndex: 5, conflictTerm: 2, conflictIndex: 3))
        #expect(r.lastIndex == 5, "a rejection changes nothing")
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

    @Test("a heartbeat is an empty AppendEntries just past what was sent, so a lost last entry is noticed")
    func heartbeatDetectsLoss() {
        let r = makeReplica(id: 0, n: 3)
        r.electLeader(voters: [1])
        r.acknowledge(from: 1, through: 1)
        r.acknowledge(from: 2, through: 1)
        r.request(ClientRequest(client: ClientID(0), sequence: 1, command: .get(Key(0))))
        let beat = r.fire(Raft.Timers.heartbeat, at: ms(1050))
        #expect(beat.appendEntries.count == 2)
        #expect(beat.appendEntries.allSatisfy { $0.message.entries == .none && $0.message.prevLogIndex == 2 })
        #expect(beat.effects.contains { if case .setTimer(let t, _) = $0 { return t == Raft.Timers.heartbeat } else { return false } })
    }
}

extension ClientRequest {
    func with(client: Int) -> ClientRequest { ClientRequest(client: ClientID(client), sequence: sequence, command: command) }
}
