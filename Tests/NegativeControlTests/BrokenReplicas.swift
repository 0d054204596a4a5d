import ConsensusCore
import MultiPaxos
import PBFT
import Raft

// Broken variants of each protocol, in test code only: each wraps the real replica and breaks one rule
// the paper says safety depends on. The fault search must catch every one of them; that is what
// proves the checks can fail.

/// Raft that grants votes without the election restriction (§5.4.1): every vote request, real or
/// pre-vote, arrives claiming a log at least as up to date as anyone's.
final class RaftWithoutElectionRestriction: BrokenVariant {
    let inner: Raft.Replica
    init(inner: Raft.Replica) { self.inner = inner }
    static var protocolName: String { "raft-broken-vote" }

    func receive(_ message: Message, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        var message = message
        switch message {
        case .requestVote(var m):
            m.lastLogTerm = m.term; m.lastLogIndex = UInt64(Int64.max)
            message = .requestVote(m)
        case .preVote(var m):
            m.lastLogTerm = m.term; m.lastLogIndex = UInt64(Int64.max)
            message = .preVote(m)
        default:
            break
        }
        inner.receive(message, from: sender, now: now, outbox: &outbox)
    }
}

/// A Multi-Paxos acceptor that forgets its promise when it restarts (Paxos Made Simple §3 requires it
/// to be in stable storage): it keeps what it accepted, but promises start over from zero.
final class PaxosForgetfulAcceptor: BrokenVariant {
    let inner: MultiPaxos.Replica
    init(inner: MultiPaxos.Replica) { self.inner = inner }
    static var protocolName: String { "multipaxos-forgetful" }

    func start(durable: DurableState?, now: Instant, outbox: inout Outbox<Message>) {
        var forgotten = durable
        forgotten?.promised = .zero
        inner.start(durable: forgotten, now: now, outbox: &outbox)
    }
}

/// PBFT that commits with 2f matching COMMITs instead of 2f+1 (§4.2): every commit it receives counts
/// twice, once as from its sender and once as from another replica. (Run with `auth: .none`, so the
/// extra copy is not rejected for its authenticator: the rule itself is what is broken.)
final class PBFTCommitWithTwoF: BrokenVariant {
    let inner: PBFT.Replica
    init(inner: PBFT.Replica) { self.inner = inner }
    static var protocolName: String { "pbft-2f-commit" }

    func receive(_ message: Message, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        inner.receive(message, from: sender, now: now, outbox: &outbox)
        if case .commit(var commit) = message {
            let n = inner.cluster.replicaCount
            var ghost = NodeID((sender.index + 1) % n)
            if ghost == inner.id { ghost = NodeID((ghost.index + 1) % n) }
            if ghost != sender {
                commit.replica = ghost
                inner.receive(.commit(commit), from: ghost, now: now, outbox: &outbox)
            }
        }
    }
}

/// PBFT whose clients take the first reply as the result instead of waiting for f+1 matching ones
/// (§4.1: "the client waits for f+1 replies with valid signatures from different replicas, and with
/// the same t and r"). The replicas are the honest ones; only what a client believes changes, so one
/// `lie` replica is enough to hand a client a result no replica computed.
final class PBFTTrustingFirstReply: BrokenVariant {
    let inner: PBFT.Replica
    init(inner: PBFT.Replica) { self.inner = inner }
    static var protocolName: String { "pbft-first-reply" }

    static func clientContract(cluster: ClusterConfig, settings: Settings) -> ClientContract {
        var contract = PBFT.Replica.clientContract(cluster: cluster, settings: settings)
        contract.matchingRepliesNeeded = 1
        return contract
    }
}
