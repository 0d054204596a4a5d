import ConsensusCore

extension HotStuff {
    /// ⟨GENERIC, b⟩ from the leader of b.view to every replica, signed by the leader.
    public struct Proposal: Hashable, Sendable {
        public var block: Block
        public var proposer: NodeID
        public var signature: Signature
        public init(block: Block, proposer: NodeID, signature: Signature) {
            self.block = block
            self.proposer = proposer
            self.signature = signature
        }
    }

    /// A replica's vote for `block`, proposed in `view`, sent to the leader of view + 1.
    public struct Vote: Hashable, Sendable {
        public var view: UInt64
        public var block: SHA256Hash
        public var replica: NodeID
        public var signature: Signature
        public init(view: UInt64, block: SHA256Hash, replica: NodeID, signature: Signature) {
            self.view = view
            self.block = block
            self.replica = replica
            self.signature = signature
        }
    }

    /// ⟨NEW-VIEW, v, highQC⟩: the sender timed out into view `view` (or joined it), and this is the
    /// highest QC it knows. Broadcast, signed: f+1 make a replica join the view, 2f+1 let its leader
    /// propose.
    public struct NewView: Hashable, Sendable {
        public var view: UInt64
        public var highQC: QuorumCertificate
        public var replica: NodeID
        public var signature: Signature
        /// Sent in answer to a NEW-VIEW for a view the sender had already passed (never answered in
        /// turn, so two replicas cannot keep answering each other). Not signed: it changes no count.
        public var isAnswer: Bool
        public init(view: UInt64, highQC: QuorumCertificate, replica: NodeID, signature: Signature, isAnswer: Bool = false) {
            self.view = view
            self.highQC = highQC
            self.replica = replica
            self.signature = signature
            self.isAnswer = isAnswer
        }
    }

    /// Asks for block `block` and its ancestors above height `above` (the asker's committed height).
    /// `block` zero asks for the answerer's highest certified block (an idle replica's probe).
    public struct Fetch: Hashable, Sendable {
        public var block: SHA256Hash
        public var above: UInt64
        public init(block: SHA256Hash, above: UInt64) {
            self.block = block
            self.above = above
        }
    }

    /// The answer to a Fetch: the block asked for first, then its ancestors in descending height, as
    /// far as the answerer keeps them; `checkpointHeight` is the answerer's last checkpoint (it keeps no
    /// block below it, so an asker further behind must transfer state). Blocks need no signature: each
    /// one's hash is named by the QC or the block above it. An answer to a probe carries the QC of its
    /// first block (the answerer's highQC), which commits what the asker missed; others the genesis QC.
    public struct Blocks: Hashable, Sendable {
        public var blocks: [Block]
        public var checkpointHeight: UInt64
        public var certificate: QuorumCertificate
        public init(blocks: [Block], checkpointHeight: UInt64, certificate: QuorumCertificate = .genesis) {
            self.blocks = blocks
            self.checkpointHeight = checkpointHeight
            self.certificate = certificate
        }
    }

    /// Asks every replica for its last checkpoint, from one whose committed height is `committedHeight`.
    public struct StateRequest: Hashable, Sendable {
        public var committedHeight: UInt64
        public init(committedHeight: UInt64) { self.committedHeight = committedHeight }
    }

    /// A checkpoint: the committed block at its height and the state after executing it. Nothing in
    /// it proves itself, so the asker installs only what f+1 replicas send alike.
    public struct StateReply: Hashable, Sendable {
        public var block: Block
        public var state: KVStateMachine
        public init(block: Block, state: KVStateMachine) {
            self.block = block
            self.state = state
        }
    }

    /// Every message HotStuff replicas exchange.
    public enum Message: Hashable, Sendable {
        case proposal(Proposal)
        case vote(Vote)
        case newView(NewView)
        case fetch(Fetch)
        case blocks(Blocks)
        case stateRequest(StateRequest)
        case stateReply(StateReply)
    }
}
