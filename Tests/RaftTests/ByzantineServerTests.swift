import ConsensusCore
import Testing
@testable import Raft

/// What the shell's `equivocate` makes a Byzantine Raft server send instead (its code stays honest).
@Suite("A Byzantine Raft server")
struct ByzantineServerTests {
    @Test("votes for every candidate: a refused vote or pre-vote is sent as granted")
    func votesForTwoCandidates() {
        let refused = Raft.VoteResponse(term: 4, granted: false)
        #expect(Raft.Message.requestVoteResponse(refused).equivocated(variant: 1, earlier: nil, cluster: ClusterConfig(replicaCount: 3, faultTolerance: 1)) == .requestVoteResponse(Raft.VoteResponse(term: 4, granted: true)))
        #expect(Raft.Message.preVoteResponse(refused).equivocated(variant: 1, earlier: nil, cluster: ClusterConfig(replicaCount: 3, faultTolerance: 1)) == .preVoteResponse(Raft.VoteResponse(term: 4, granted: true)))
    }

    @Test("acknowledges entries it did not store: a rejection is sent as a match at the leader's previous index")
    func acknowledgesWithoutStoring() {
        let rejection = Raft.AppendEntriesResponse(term: 2, outcome: .rejected(prevLogIndex: 9, conflictTerm: 0, conflictIndex: 5))
        #expect(Raft.Message.appendEntriesResponse(rejection).equivocated(variant: 1, earlier: nil, cluster: ClusterConfig(replicaCount: 3, faultTolerance: 1))
                == .appendEntriesResponse(Raft.AppendEntriesResponse(term: 2, outcome: .success(matchIndex: 9))))
    }

    @Test("as leader, sends other commands at the same indices to some followers, same sessions and terms")
    func lyingLeader() throws {
        let request = ClientRequest(client: ClientID(3), sequence: 7, command: .put(Key(1), Value(tag: 42, size: 8)))
        let honest = Raft.AppendEntries(term: 2, prevLogIndex: 4, prevLogTerm: 2, entries: .one(Raft.Entry(term: 2, request: request)), leaderCommit: 4)
        guard case .appendEntries(let forged)? = Raft.Message.appendEntries(honest).equivocated(variant: 1, earlier: nil, cluster: ClusterConfig(replicaCount: 3, faultTolerance: 1)),
              case .one(let entry) = forged.entries else {
            Issue.record("no forged AppendEntries")
            return
        }
        #expect(entry.term == 2 && entry.request.client == request.client && entry.request.sequence == request.sequence)
        #expect(entry.request.command != request.command)
        #expect(forged.prevLogIndex == 4 && forged.leaderCommit == 4)
    }
}
