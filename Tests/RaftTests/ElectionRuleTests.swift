import ConsensusCore
import Testing
@testable import Raft

/// Leader election rules (Raft §5.2, §5.4.1; PreVote and check-quorum from the thesis), one per test,
/// driving a single replica directly.
@Suite("Raft election rules")
struct ElectionRuleTests {
    @Test("a candidate that sees a higher term steps down")
    func candidateStepsDownOnHigherTerm() {
        var settings = Raft.Settings()
        settings.preVote = false
        let r = makeReplica(id: 1, n: 3, settings: settings)
        let out = r.fire(Raft.Timers.election, at: ms(1000))
        #expect(r.role == .candidate)
        #expect(r.currentTerm == 1)
        #expect(out.broadcasts.count == 1)

        let reply = r.deliver(.requestVoteResponse(Raft.VoteResponse(term: 4, granted: false)), from: 2)
        #expect(r.role == .follower)
        #expect(r.currentTerm == 4)
        #expect(r.votedFor == nil)
        #expect(reply.persisted)
    }

    @Test("a candidate that hears from a leader of its own term becomes its follower")
    func candidateYieldsToLeaderOfSameTerm() {
        var settings = Raft.Settings()
        settings.preVote = false
        let r = makeReplica(id: 1, n: 3, settings: settings)
        r.fire(Raft.Timers.election, at: ms(1000))
        let out = r.deliver(.appendEntries(Raft.AppendEntries(term: 1, prevLogIndex: 0, prevLogTerm: 0, entries: .none, leaderCommit: 0)), from: 2)
        #expect(r.role == .follower)
        #expect(r.currentTerm == 1)
        #expect(r.knownLeader == NodeID(2))
        #expect(out.appendEntriesResponses.first?.message.outcome == .success(matchIndex: 0))
    }

    @Test("a server grants at most one vote per term")
    func atMostOneVotePerTerm() {
        let r = makeReplica(id: 0, n: 3)
        let first = r.deliver(.requestVote(Raft.VoteRequest(term: 2, lastLogIndex: 0, lastLogTerm: 0)), from: 1)
        #expect(first.voteResponses.first?.message == Raft.VoteResponse(term: 2, granted: true))
        #expect(r.votedFor == NodeID(1))
        #expect(first.persisted)
        #expect(first.firstPersistIndex! < first.firstSendIndex!, "the vote is durable before it is sent")

        let second = r.deliver(.requestVote(Raft.VoteRequest(term: 2, lastLogIndex: 0, lastLogTerm: 0)), from: 2)
        #expect(second.voteResponses.first?.message == Raft.VoteResponse(term: 2, granted: false))
        #expect(r.votedFor == NodeID(1))

        // The same candidate asking again (its request or our answer was lost) gets the same answer.
        let again = r.deliver(.requestVote(Raft.VoteRequest(term: 2, lastLogIndex: 0, lastLogTerm: 0)), from: 1)
        #expect(again.voteResponses.first?.message == Raft.VoteResponse(term: 2, granted: true))

        // A new term frees the vote.
        let next = r.deliver(.requestVote(Raft.VoteRequest(term: 3, lastLogIndex: 0, lastLogTerm: 0)), from: 2)
        #expect(next.voteResponses.first?.message == Raft.VoteResponse(term: 3, granted: true))
        #expect(r.votedFor == NodeID(2))
    }

    @Test("a voter refuses a candidate whose log is less up to date")
    func electionRestriction() {
        // The voter's log ends with term 2 at index 2.
        let voterState = Raft.DurableState(currentTerm: 2, votedFor: nil, log: logWithTerms([1, 2]))
        func ask(_ lastLogIndex: UInt64, _ lastLogTerm: UInt64) -> Bool? {
            let voter = makeReplica(id: 0, n: 3, durable: voterState)
            let out = voter.deliver(.requestVote(Raft.VoteRequest(term: 3, lastLogIndex: lastLogIndex, lastLogTerm: lastLogTerm)), from: 1)
            return out.voteResponses.first?.message.granted
        }
        #expect(ask(9, 1) == false, "an older last term loses however long the log")
        #expect(ask(1, 2) == false, "same last term, shorter log")
        #expect(ask(2, 2) == true, "same last term, same length")
        #expect(ask(3, 2) == true, "same last term, longer log")
        #expect(ask(1, 3) == true, "a later last term wins however short the log")
    }

    @Test("a follower rejects RequestVote from a stale term")
    func staleVoteRequest() {
        let r = makeReplica(id: 0, n: 3, durable: Raft.DurableState(currentTerm: 5))
        let out = r.deliver(.requestVote(Raft.VoteRequest(term: 4, lastLogIndex: 10, lastLogTerm: 4)), from: 1)
        #expect(out.voteResponses.first?.message == Raft.VoteResponse(term: 5, granted: false))
        #expect(r.votedFor == nil)
        #expect(r.currentTerm == 5)
    }

    @Test("a pre-vote never changes the voter's term or vote")
    func preVoteChangesNothing() {
        let r = makeReplica(id: 0, n: 3, durable: Raft.DurableState(currentTerm: 3))
        let out = r.deliver(.preVote(Raft.VoteRequest(term: 4, lastLogIndex: 0, lastLogTerm: 0)), from: 1)
        #expect(out.preVoteResponses.first?.message == Raft.VoteResponse(term: 4, granted: true))
        #expect(r.currentTerm == 3)
        #expect(r.votedFor == nil)
        #expect(!out.persisted)
    }

    @Test("a pre-candidate raises its term only after a majority of pre-votes")
    func preCandidateWaitsForMajority() {
        let r = makeReplica(id: 0, n: 5)
        let out = r.fire(Raft.Timers.election, at: ms(1000))
        #expect(r.role == .preCandidate)
        #expect(r.currentTerm == 0)
        #expect(!out.persisted)
        guard case .preVote(let m)? = out.broadcasts.first else { Issue.record("no PreVote broadcast"); return }
        #expect(m.term == 1)

        r.deliver(.preVoteResponse(Raft.VoteResponse(term: 1, granted: true)), from: 1)
        #expect(r.role == .preCandidate, "2 of 5 is not a majority")
        let won = r.deliver(.preVoteResponse(Raft.VoteResponse(term: 1, granted: true)), from: 2)
        #expect(r.role == .candidate)
        #expect(r.currentTerm == 1)
        #expect(r.votedFor == NodeID(0))
        #expect(won.firstPersistIndex! < won.firstSendIndex!)
        guard case .requestVote(let v)? = won.broadcasts.first else { Issue.record("no RequestVote broadcast"); return }
        #expect(v.term == 1)
    }

    @Test("a follower that heard from its leader recently refuses to help depose it")
    func leaseRefusesDisruption() {
        let r = makeReplica(id: 0, n: 3)
        r.deliver(.appendEntries(Raft.AppendEntries(term: 1, prevLogIndex: 0, prevLogTerm: 0, entries: .none, leaderCommit: 0)), from: 1, at: ms(1000))
        // A rejoining node asks 50 ms later, inside the 150 ms lease.
        let pre = r.deliver(.preVote(Raft.VoteRequest(term: 2, lastLogIndex: 0, lastLogTerm: 0)), from: 2, at: ms(1050))
        #expect(pre.preVoteResponses.first?.message.granted == false)
        let vote = r.deliver(.requestVote(Raft.VoteRequest(term: 2, lastLogIndex: 0, lastLogTerm: 0)), from: 2, at: ms(1050))
        #expect(vote.sent.isEmpty)
        #expect(r.currentTerm == 1, "the disruptive term is not adopted")
        #expect(r.knownLeader == NodeID(1))
        // After the lease runs out the same pre-vote is granted.
        let later = r.deliver(.preVote(Raft.VoteRequest(term: 2, lastLogIndex: 0, lastLogTerm: 0)), from: 2, at: ms(1200))
        #expect(later.preVoteResponses.first?.message.granted == true)
    }

    @Test("a candidate that wins a majority becomes leader and appends a no-op of its term")
    func winnerAppendsNoop() {
        let r = makeReplica(id: 0, n: 3)
        let steps = r.electLeader(voters: [1])
        #expect(r.role == .leader)
        #expect(r.knownLeader == NodeID(0))
        let last = steps.last!
        #expect(last.becameLeader == [1])
        #expect(r.lastIndex == 1)
        #expect(r.entry(at: 1) == Raft.Entry(term: 1, request: Raft.noopRequest(term: 1)))
        #expect(last.appendEntries.map(\.to) == [NodeID(1), NodeID(2)])
        #expect(last.appendEntries.allSatisfy { $0.message.entries == .one(r.entry(at: 1)!) })
    }

    @Test("election timeouts are drawn from the configured range, from the replica's seed")
    func randomizedTimeouts() {
        var settings = Raft.Settings()
        settings.bootstrapLeader = nil
        var timeouts: Set<Int64> = []
        for seed in 0 ..< UInt64(20) {
            var outbox = Outbox()
            let r = Raft.Replica(id: NodeID(1), cluster: ClusterConfig(replicaCount: 3, faultTolerance: 1), settings: settings,
                                 random: DeterministicRandom(seed: seed))
            r.start(durable: nil, now: .zero, outbox: &outbox)
            for case .setTimer(let t, let after) in outbox.effects where t == Raft.Timers.election {
                #expect(after >= settings.electionTimeoutMin && after <= settings.electionTimeoutMax)
                timeouts.insert(after.nanoseconds)
            }
        }
        #expect(timeouts.count > 10, "timeouts differ between replicas")
    }

    @Test("a leader without a majority's contact steps down")
    func checkQuorumStepsDown() {
        let r = makeReplica(id: 0, n: 5)
        r.electLeader(voters: [1, 2])
        #expect(r.role == .leader)
        let start = ms(1000)
        // Only node 1 answers during the first round: 2 of 5 (with itself) is not a majority.
        r.acknowledge(from: 1, through: 1, at: start + .milliseconds(10))
        let out = r.fire(Raft.Timers.checkQuorum, at: start + .milliseconds(150))
        #expect(r.role == .follower)
        #expect(r.knownLeader == nil)
        #expect(r.currentTerm == 1, "stepping down does not change the term")
        #expect(out.effects.contains { if case .cancelTimer(let t) = $0 { return t == Raft.Timers.heartbeat } else { return false } })
        let redirect = r.request(ClientRequest(client: ClientID(3), sequence: 1, command: .get(Key(1))))
        #expect(redirect.replies.first?.outcome == .redirect(hint: nil), "it stops taking clients' requests")
    }

    @Test("a leader that hears from a majority keeps leading")
    func checkQuorumKeepsLeader() {
        let r = makeReplica(id: 0, n: 5)
        r.electLeader(voters: [1, 2])
        r.acknowledge(from: 1, through: 1)
        r.acknowledge(from: 3, through: 1)
        r.fire(Raft.Timers.checkQuorum, at: ms(1150))
        #expect(r.role == .leader)
        // Activity is counted per round: a silent next round deposes it.
        r.fire(Raft.Timers.checkQuorum, at: ms(1300))
        #expect(r.role == .follower)
    }

    @Test("persisted state round-trips through a restart: term and vote are not forgotten")
    func durableStateSurvivesRestart() {
        let r = makeReplica(id: 0, n: 3)
        r.deliver(.requestVote(Raft.VoteRequest(term: 4, lastLogIndex: 0, lastLogTerm: 0)), from: 2)
        r.deliver(.appendEntries(Raft.AppendEntries(term: 4, prevLogIndex: 0, prevLogTerm: 0,
                                                    entries: .many([entry(term: 4, sequence: 1), entry(term: 4, sequence: 2)]), leaderCommit: 1)), from: 2)
        #expect(r.commitIndex == 1)
        let saved = r.durableState
        #expect(saved == Raft.DurableState(currentTerm: 4, votedFor: NodeID(2), log: Raft.Log([entry(term: 4, sequence: 1), entry(term: 4, sequence: 2)])))

        let restarted = makeReplica(id: 0, n: 3, durable: saved, now: ms(5000))
        #expect(restarted.currentTerm == 4)
        #expect(restarted.votedFor == NodeID(2))
        #expect(restarted.log == saved.log)
        #expect(restarted.commitIndex == 0, "the commit index is volatile")
        #expect(restarted.stateMachine.executedCount == 0, "the state machine is rebuilt from the log")
        // It still refuses a second candidate in term 4.
        let out = restarted.deliver(.requestVote(Raft.VoteRequest(term: 4, lastLogIndex: 9, lastLogTerm: 4)), from: 1, at: ms(6000))
        #expect(out.voteResponses.first?.message == Raft.VoteResponse(term: 4, granted: false))
        // And the leader's next AppendEntries re-applies the committed prefix.
        let again = restarted.deliver(.appendEntries(Raft.AppendEntries(term: 4, prevLogIndex: 2, prevLogTerm: 4, entries: .none, leaderCommit: 2)), from: 2, at: ms(6000))
        #expect(again.applied.map(\.position) == [1, 2])
        #expect(restarted.stateMachine.executedCount == 2)
    }

    @Test("cluster shapes: n ≥ 2f+1, f ≤ (n−1)/2")
    func clusterValidation() {
        #expect(Raft.Replica.validate(ClusterConfig(replicaCount: 2, faultTolerance: 1)) == "raft needs n ≥ 2f+1 replicas (got n=2, f=1)")
        #expect(Raft.Replica.validate(ClusterConfig(replicaCount: 0, faultTolerance: 0)) != nil)
        #expect(Raft.Replica.validate(ClusterConfig(replicaCount: 3, faultTolerance: -1)) != nil)
        #expect(Raft.Replica.validate(ClusterConfig(replicaCount: 3, faultTolerance: 1)) == nil)
        #expect(Raft.Replica.validate(ClusterConfig(replicaCount: 1, faultTolerance: 0)) == nil)
        #expect(Raft.Replica.maximumFaults(replicaCount: 1) == 0)
        #expect(Raft.Replica.maximumFaults(replicaCount: 4) == 1)
        #expect(Raft.Replica.maximumFaults(replicaCount: 9) == 4)
        #expect(Raft.Replica.protocolName == "raft")
        let contract = Raft.Replica.clientContract(cluster: ClusterConfig(replicaCount: 3, faultTolerance: 1), settings: Raft.Settings())
        #expect(contract == ClientContract(matchingRepliesNeeded: 1, retryToAll: false, initialTarget: NodeID(0)))
    }

    @Test("a single-node cluster elects itself and commits alone")
    func singleNode() {
        let r = makeReplica(id: 0, n: 1)
        let out = r.fire(Raft.Timers.election, at: ms(400))
        #expect(r.role == .leader)
        #expect(out.becameLeader == [1])
        #expect(r.commitIndex == 1)
        let reply = r.request(ClientRequest(client: ClientID(0), sequence: 1, command: .put(Key(1), Value(tag: 9, size: 8))))
        #expect(reply.replies.first?.outcome == .executed(.value(nil)))
        #expect(r.commitIndex == 2)
    }
}
