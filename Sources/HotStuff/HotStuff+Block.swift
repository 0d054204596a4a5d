import ConsensusCore

extension HotStuff {
    /// A quorum certificate: 2f+1 replicas' signatures on (view, block). The genesis QC certifies the
    /// genesis block and carries no signature.
    public struct QuorumCertificate: Hashable, Sendable {
        public var view: UInt64
        public var block: SHA256Hash
        /// (signer, signature) pairs in ascending signer order, no signer twice.
        public var votes: [SignedVote]

        public init(view: UInt64, block: SHA256Hash, votes: [SignedVote]) {
            self.view = view
            self.block = block
            self.votes = votes
        }

        public static let genesis = QuorumCertificate(view: 0, block: Block.genesisHash, votes: [])
        @inlinable public var isGenesis: Bool { view == 0 && block == Block.genesisHash }
    }

    /// One replica's signature in a QC.
    public struct SignedVote: Hashable, Sendable {
        public var replica: NodeID
        public var signature: Signature
        public init(replica: NodeID, signature: Signature) {
            self.replica = replica
            self.signature = signature
        }
    }

    /// A block of the chain: proposed by the leader of `view`, extending the block its `justify` QC
    /// certifies (its parent), at height parent + 1. Its hash covers everything but the QC's
    /// signatures, which are a proof about the parent, not part of this block's content.
    public struct Block: Hashable, Sendable {
        public var view: UInt64
        public var height: UInt64
        public var justify: QuorumCertificate
        public var commands: [ClientRequest]
        /// SHA-256 of the content, computed when the block is made or decoded.
        public private(set) var hash: SHA256Hash

        /// The parent's hash: a block always extends the block its QC certifies.
        @inlinable public var parent: SHA256Hash { justify.block }

        public init(view: UInt64, height: UInt64, justify: QuorumCertificate, commands: [ClientRequest], scratch: inout WireWriter) {
            self.view = view
            self.height = height
            self.justify = justify
            self.commands = commands
            hash = .zero
            hash = Self.hash(view: view, height: height, justify: justify, commands: commands, scratch: &scratch)
        }

        private init(genesis: Void) {
            view = 0
            height = 0
            justify = QuorumCertificate(view: 0, block: .zero, votes: [])
            commands = []
            hash = Self.genesisHash
        }

        /// The block every chain starts from (view 0, height 0), known to every replica.
        public static let genesisHash = SHA256Hash(0x4854_5354_4745_4E45, 0, 0, 1)  // "HTSTGENE"
        public static let genesis = Block(genesis: ())

        /// view · height · the QC's view and block · u32 count · each command's content.
        static func hash(view: UInt64, height: UInt64, justify: QuorumCertificate, commands: [ClientRequest],
                         scratch: inout WireWriter) -> SHA256Hash {
            scratch.clear()
            scratch.write(view)
            scratch.write(height)
            scratch.write(justify.view)
            justify.block.encode(into: &scratch)
            scratch.write(UInt32(commands.count))
            for request in commands { request.encodeContent(into: &scratch) }
            return scratch.bytes.withUnsafeBytes { SHA256Hash(hashing: $0) }
        }

        /// This block with other commands (what a faulty leader equivocates with), hashed again.
        func with(commands other: [ClientRequest]) -> Block {
            var scratch = WireWriter()
            return Block(view: view, height: height, justify: justify, commands: other, scratch: &scratch)
        }
    }
}
