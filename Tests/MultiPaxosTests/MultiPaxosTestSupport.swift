import ConsensusCore
import LockstepTesting
@testable import MultiPaxos

/// Helpers that drive one Multi-Paxos replica directly: build it, hand it inputs with a fresh outbox,
/// and read back what it asked for.
typealias Outbox = ConsensusCore.Outbox<MultiPaxos.Message>
typealias Ballot = MultiPaxos.Ballot
typealias SlotValue = MultiPaxos.SlotValue

/// A replica of an `n`-node cluster with a fixed seed. Nobody campaigns at start unless `settings` says so.
func makeReplica(id: Int = 0, n: Int = 3, settings: MultiPaxos.Settings = MultiPaxos.Settings(initialProposers: []),
                 durable: MultiPaxos.DurableState? = nil, now: Instant = .zero, seed: UInt64 = 42) -> MultiPaxos.Replica {
    let cluster = ClusterConfig(replicaCount: n, faultTolerance: (n - 1) / 2)
    let replica = MultiPaxos.Replica(id: NodeID(id), cluster: cluster, settings: settings,
                                     random: DeterministicRandom(seed: seed &+ UInt64(id)))
    var outbox = Outbox()
    replica.start(durable: durable, now: now, outbox: &outbox)
    replica.checkInvariants()
    return replica
}

func ballot(_ round: UInt64, _ node: Int) -> Ballot { Ballot(round: round, node: NodeID(node)) }

func put(client: Int = 7, sequence: UInt64, key: UInt64 = 0, tag: UInt64? = nil) -> ClientRequest {
    ClientRequest(client: ClientID(client), sequence: sequence, command: .put(Key(key), Value(tag: tag ?? sequence, size: 16)))
}

extension MultiPaxos.Replica {
    /// Suspects the (absent) leader at `now` and campaigns; returns what it sent.
    @discardableResult
    func campaignNow(at now: Instant = ms(1000)) -> Outbox {
        fire(MultiPaxos.Replica.electionTimer, at: now)
    }

    /// Campaigns and collects empty promises from `voters`, ending as leader.
    @discardableResult
    func electLeader(voters: [Int], at now: Instant = ms(1000)) -> [Outbox] {
        var steps = [campaignNow(at: now)]
        for v in voters where role == .candidate {
            steps.append(deliver(.promise(ballot: ballot, chosenUpTo: firstUnchosenSlot, accepted: []), from: v, at: now))
        }
        return steps
    }
}

extension ConsensusCore.Outbox where Message == MultiPaxos.Message {
    /// Every message that leaves, as (message, receiver); a broadcast is listed once with receiver nil.
    var messages: [(message: MultiPaxos.Message, to: NodeID?)] {
        effects.compactMap {
            switch $0 {
            case .send(let m, let to): return (m, to)
            case .broadcast(let m): return (m, nil)
            default: return nil
            }
        }
    }

    var accepts: [(slot: UInt64, value: SlotValue)] {
        messages.compactMap {
            if case .accept(_, let slot, _, let value) = $0.message { return (slot, value) }
            return nil
        }
    }

    var nacks: [(promised: Ballot, rejected: Ballot)] {
        messages.compactMap {
            if case .nack(let p, let r) = $0.message { return (p, r) }
            return nil
        }
    }

    var replies: [ClientReply] {
        effects.compactMap {
            if case .reply(let r) = $0 { return r }
            return nil
        }
    }

    var applied: [(position: UInt64, request: ClientRequest)] {
        effects.compactMap {
            if case .applied(let p, let r, _) = $0 { return (p, r) }
            return nil
        }
    }

    var persistIndex: Int? {
        effects.firstIndex { if case .persist = $0 { return true } else { return false } }
    }

    /// Index of the first message that leaves.
    var firstMessageIndex: Int? {
        effects.firstIndex {
            switch $0 {
            case .send, .broadcast: return true
            default: return false
            }
        }
    }

    var becameLeader: [UInt64] {
        effects.compactMap {
            if case .becameLeader(let e) = $0 { return e }
            return nil
        }
    }
}
