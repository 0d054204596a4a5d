import ConsensusCore
@testable import HotStuff

/// Helpers that drive HotStuff replicas directly: build them, hand them inputs with a fresh outbox,
/// and make blocks, QCs and proposals signed with any replica's real key (secret 0, as `cluster` has).
typealias Outbox = ConsensusCore.Outbox<HotStuff.Message>

func cluster(_ n: Int = 4) -> ClusterConfig { ClusterConfig(replicaCount: n, faultTolerance: (n - 1) / 3) }

func makeReplica(id: Int, n: Int = 4, settings: HotStuff.Settings = HotStuff.Settings()) -> HotStuff.Replica {
    let replica = HotStuff.Replica(id: NodeID(id), cluster: cluster(n), settings: settings, random: DeterministicRandom(seed: UInt64(id)))
    var outbox = Outbox()
    replica.start(durable: nil, now: .zero, outbox: &outbox)
    replica.checkInvariants()
    return replica
}

func put(client: Int = 1, sequence: UInt64, key: UInt64 = 0) -> ClientRequest {
    ClientRequest(client: ClientID(client), sequence: sequence, command: .put(Key(key), Value(tag: sequence, size: 16)))
}

/// Builds chains as honest leaders and voters of an n-replica cluster would.
struct ChainBuilder {
    let n: Int
    var scratch = WireWriter()
    init(n: Int = 4) { self.n = n }

    var quorum: Int { HotStuff.quorum(cluster(n)) }

    /// A QC for `block` signed by the first `quorum` replicas (or `signers`).
    func qc(for block: HotStuff.Block, signers: [Int]? = nil) -> HotStuff.QuorumCertificate {
        let ids = signers ?? Array(0 ..< quorum)
        let votes = ids.map { id in
            HotStuff.SignedVote(replica: NodeID(id), signature: HotStuff.sign(.vote(view: block.view, block: block.hash), as: NodeID(id), secret: 0))
        }
        return HotStuff.QuorumCertificate(view: block.view, block: block.hash, votes: votes)
    }

    /// A block of `view` on `parent` (certified by `justify`, by default a fresh QC for it).
    mutating func block(view: UInt64, on parent: HotStuff.Block, justify: HotStuff.QuorumCertificate? = nil,
                        commands: [ClientRequest] = []) -> HotStuff.Block {
        let qc = justify ?? (parent.view == 0 ? .genesis : qc(for: parent))
        return HotStuff.Block(view: view, height: parent.height + 1, justify: qc, commands: commands, scratch: &scratch)
    }

    /// `block` as its view's leader proposes it, signed.
    func proposal(_ block: HotStuff.Block) -> (message: HotStuff.Message, leader: NodeID) {
        let leader = HotStuff.leader(of: block.view, replicaCount: n)
        return (.proposal(HotStuff.Proposal(block: block, proposer: leader, signature: HotStuff.sign(.proposal(block), as: leader, secret: 0))), leader)
    }
}

extension HotStuff.Replica {
    /// Delivers `block`'s proposal and returns what the replica asked for.
    @discardableResult
    func deliver(_ block: HotStuff.Block, by builder: ChainBuilder) -> Outbox {
        let (message, leader) = builder.proposal(block)
        var outbox = Outbox()
        receive(message, from: leader, now: .zero, outbox: &outbox)
        checkInvariants()
        return outbox
    }
}

extension Outbox {
    /// The votes this step sent (or, to itself, collected: those show as none).
    var votes: [HotStuff.Vote] {
        effects.compactMap { if case .send(.vote(let v), _) = $0 { return v }; return nil }
    }
    var appliedPositions: [UInt64] {
        effects.compactMap { if case .applied(let p, _, _) = $0 { return p }; return nil }
    }
}
