import ConsensusCore
import LockstepTesting
@testable import Raft

/// Helpers that drive one Raft replica directly: build it, hand it inputs with a fresh outbox, and read
/// back what it asked for.
typealias Outbox = ConsensusCore.Outbox<Raft.Message>

/// A replica of an `n`-node cluster with a fixed seed, started (fresh or from `durable`) at `now`.
func makeReplica(id: Int = 0, n: Int = 3, settings: Raft.Settings = Raft.Settings(), durable: Raft.DurableState? = nil,
                 now: Instant = .zero, seed: UInt64 = 42) -> Raft.Replica {
    let cluster = ClusterConfig(replicaCount: n, faultTolerance: (n - 1) / 2)
    let replica = Raft.Replica(id: NodeID(id), cluster: cluster, settings: settings,
                               random: DeterministicRandom(seed: seed &+ UInt64(id)))
    var outbox = Outbox()
    replica.start(durable: durable, now: now, outbox: &outbox)
    replica.checkInvariants()
    return replica
}

/// A log whose entries have the given terms, each holding a distinct put from client 1.
func logWithTerms(_ terms: [UInt64]) -> Raft.Log {
    Raft.Log(terms.enumerated().map { i, t in
        Raft.Entry(term: t, request: ClientRequest(client: ClientID(1), sequence: UInt64(i + 1),
                                                    command: .put(Key(UInt64(i)), Value(tag: UInt64(100 + i), size: 16))))
    })
}

extension Raft.Replica {
    /// Campaigns (PreVote, then RequestVote) and collects grants from `voters`, ending as leader.
    /// Returns everything the replica did on the way.
    @discardableResult
    func electLeader(voters: [Int], at now: Instant = ms(1000)) -> [Outbox] {
        var steps: [Outbox] = [fire(Raft.Timers.election, at: now)]
        if role == .preCandidate {
            for v in voters where role == .preCandidate {
                steps.append(deliver(.preVoteResponse(Raft.VoteResponse(term: currentTerm + 1, granted: true)), from: v, at: now))
            }
        }
        for v in voters where role == .candidate {
            steps.append(deliver(.requestVoteResponse(Raft.VoteResponse(term: currentTerm, granted: true)), from: v, at: now))
        }
        return steps
    }

    /// Answers the leader's AppendEntries as if `peer` now holds the leader's log through `matchIndex`.
    @discardableResult
    func acknowledge(from peer: Int, through matchIndex: UInt64, at now: Instant = ms(1000)) -> Outbox {
        deliver(.appendEntriesResponse(Raft.AppendEntriesResponse(term: currentTerm, outcome: .success(matchIndex: matchIndex))),
                from: peer, at: now)
    }
}

extension ConsensusCore.Outbox where Message == Raft.Message {
    /// Messages sent to one peer, in order.
    var sent: [(message: Raft.Message, to: NodeID)] {
        effects.compactMap { if case .send(let m, let to) = $0 { return (m, to) } else { return nil } }
    }
    var applied: [(position: UInt64, request: ClientRequest, executed: Bool)] {
        effects.compactMap { if case .applied(let p, let r, let e) = $0 { return (p, r, e) } else { return nil } }
    }
    var persisted: Bool { effects.contains { if case .persist = $0 { return true } else { return false } } }

    var appendEntries: [(message: Raft.AppendEntries, to: NodeID)] {
        sent.compactMap { if case .appendEntries(let m) = $0.message { return (m, $0.to) } else { return nil } }
    }
    var appendEntriesResponses: [(message: Raft.AppendEntriesResponse, to: NodeID)] {
        sent.compactMap { if case .appendEntriesResponse(let m) = $0.message { return (m, $0.to) } else { return nil } }
    }
    /// The index of the first `persist` effect, and of the first message sent (to check their order).
    var firstPersistIndex: Int? { effects.firstIndex { if case .persist = $0 { return true } else { return false } } }
    var firstSendIndex: Int? {
        effects.firstIndex {
            switch $0 {
            case .send, .broadcast: return true
            default: return false
            }
        }
    }
}
