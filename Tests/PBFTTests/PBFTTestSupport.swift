import ConsensusCore
import LockstepTesting
@testable import PBFT

/// Helpers that drive PBFT replicas directly: build them, hand them inputs with a fresh outbox, read
/// back what they asked for, forge properly authenticated messages from any replica, and build a
/// lock-step cluster of them.
typealias Outbox = ConsensusCore.Outbox<PBFT.Message>

func cluster(_ n: Int, f: Int? = nil) -> ClusterConfig {
    ClusterConfig(replicaCount: n, faultTolerance: f ?? (n - 1) / 3)
}

func settings(auth: PBFT.Authentication = .mac, checkpointInterval: Int = 128, maxBatch: Int = 1) -> PBFT.Settings {
    var s = PBFT.Settings()
    s.auth = auth
    s.checkpointInterval = checkpointInterval
    s.maxBatch = maxBatch
    return s
}

func makeReplica(id: Int, n: Int = 4, settings: PBFT.Settings = settings(), durable: PBFT.DurableState? = nil) -> PBFT.Replica {
    let replica = PBFT.Replica(id: NodeID(id), cluster: cluster(n), settings: settings, random: DeterministicRandom(seed: 7 &+ UInt64(id)))
    var outbox = Outbox()
    replica.start(durable: durable, now: .zero, outbox: &outbox)
    replica.checkInvariants()
    return replica
}

/// A client's write, authenticated by its client for an n-replica cluster under `auth` (as the shells'
/// clients do: PBFT's replicas reject requests that do not carry their client's proof).
func put(client: Int = 1, sequence: UInt64, key: UInt64 = 0, tag: UInt64? = nil, n: Int = 4,
         auth: PBFT.Authentication = .mac) -> ClientRequest {
    let request = ClientRequest(client: ClientID(client), sequence: sequence, command: .put(Key(key), Value(tag: tag ?? sequence, size: 16)))
    return PBFT.ClientKeyring(cluster: cluster(n), mode: auth).authenticate(request)
}

func digest(_ batch: [ClientRequest]) -> PBFT.Digest {
    var w = WireWriter()
    return PBFT.digest(of: batch, scratch: &w)
}

/// Forges messages as replica `sender` of an n-replica cluster would send them, with its real keys.
struct Forger {
    var keys: PBFT.Keyring
    var sender: NodeID { keys.me }
    init(_ sender: Int, n: Int = 4, auth: PBFT.Authentication = .mac) {
        keys = PBFT.Keyring(me: NodeID(sender), n: n, mode: auth, secret: 0)
    }

    mutating func prePrepare(view: UInt64 = 0, sequence: UInt64, batch: [ClientRequest], digest d: PBFT.Digest? = nil) -> PBFT.Message {
        var w = CryptoWork()
        var m = PBFT.PrePrepare(view: view, sequence: sequence, digest: d ?? digest(batch), requests: batch, primary: sender, authenticator: .none)
        m.authenticator = keys.authenticate(m.block, .multicast, work: &w)
        return .prePrepare(m)
    }

    mutating func prepare(view: UInt64 = 0, sequence: UInt64, digest d: PBFT.Digest) -> PBFT.Message {
        var w = CryptoWork()
        var m = PBFT.Prepare(view: view, sequence: sequence, digest: d, replica: sender, authenticator: .none)
        m.authenticator = keys.authenticate(m.block, .multicast, work: &w)
        return .prepare(m)
    }

    mutating func commit(view: UInt64 = 0, sequence: UInt64, digest d: PBFT.Digest) -> PBFT.Message {
        var w = CryptoWork()
        var m = PBFT.Commit(view: view, sequence: sequence, digest: d, replica: sender, authenticator: .none)
        m.authenticator = keys.authenticate(m.block, .multicast, work: &w)
        return .commit(m)
    }

    mutating func checkpoint(sequence: UInt64, stateDigest: UInt64) -> PBFT.Message {
        var w = CryptoWork()
        var m = PBFT.Checkpoint(sequence: sequence, stateDigest: stateDigest, replica: sender, authenticator: .none)
        m.authenticator = keys.authenticate(m.block, .multicast, work: &w)
        return .checkpoint(m)
    }

    /// NEW-VIEW with exactly the given O, signed by this (new) primary.
    mutating func newView(view: UInt64, viewChanges: [PBFT.ViewChange], entries: [(UInt64, PBFT.Digest)]) -> PBFT.Message {
        var w = CryptoWork()
        let o = entries.map { (sequence, d) in
            PBFT.Assignment(sequence: sequence, digest: d, authenticator: keys.authenticate(
                PBFT.AuthBlock(kind: PBFT.Message.Kind.prePrepare, sender: sender, view: view, sequence: sequence, digest: d),
                .multicast, work: &w))
        }
        var m = PBFT.NewView(view: view, viewChanges: viewChanges, prePrepares: o, primary: sender, authenticator: .none)
        m.authenticator = keys.authenticate(m.block, .signed, work: &w)
        return .newView(m)
    }
}

extension ConsensusCore.Outbox where Message == PBFT.Message {
    var broadcasts: [PBFT.Message] {
        effects.compactMap { if case .broadcast(let m) = $0 { return m } else { return nil } }
    }
    var prepares: [PBFT.Prepare] { broadcasts.compactMap { if case .prepare(let m) = $0 { return m } else { return nil } } }
    var commits: [PBFT.Commit] { broadcasts.compactMap { if case .commit(let m) = $0 { return m } else { return nil } } }
    var viewChanges: [PBFT.ViewChange] { broadcasts.compactMap { if case .viewChange(let m) = $0 { return m } else { return nil } } }
    var applied: [(position: UInt64, request: ClientRequest)] {
        effects.compactMap { if case .applied(let p, let r, _) = $0 { return (p, r) } else { return nil } }
    }
    var rejectedKinds: [Int] { effects.compactMap { if case .rejected(let k) = $0 { return k } else { return nil } } }
    var replies: [ClientReply] { effects.compactMap { if case .reply(let r) = $0 { return r } else { return nil } } }
}

/// Builds replica `id` of an n-replica cluster with the seed every PBFT test uses (7 + id), unstarted:
/// the lock-step cluster starts it.
func replicaMaker(n: Int = 4, settings s: PBFT.Settings = settings()) -> (NodeID) -> PBFT.Replica {
    let config = cluster(n)
    return { id in PBFT.Replica(id: id, cluster: config, settings: s, random: DeterministicRandom(seed: 7 &+ UInt64(id.index))) }
}

/// A whole cluster in lock step, without time: every message sent is queued and delivered in FIFO order
/// by `deliverAll()`, unless `isLost` says otherwise. Timers fire only when a test fires them.
func lockstepCluster(n: Int = 4, settings s: PBFT.Settings = settings()) -> LockstepCluster<PBFT.Replica> {
    let c = LockstepCluster(count: n, make: replicaMaker(n: n, settings: s))
    c.clientCredentials = PBFT.Replica.clientCredentials(cluster: cluster(n), settings: s)
    return c
}

extension LockstepCluster where R == PBFT.Replica {
    /// A client's request, handed to replica `node` at once.
    func order(_ request: ClientRequest, at node: Int = 0) {
        handNow(.clientRequest(request), to: node)
    }
}
