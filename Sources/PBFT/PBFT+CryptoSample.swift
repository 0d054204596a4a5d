import ConsensusCore
import Crypto

extension PBFT {
    /// One of each cryptographic operation a PBFT replica performs, on inputs shaped like the protocol's
    /// own, for `consensus-bench calibrate` to time: the simulator's CPU cost model charges per MAC, per
    /// signature made and checked, and per digest, and these timings are where its figures come from.
    /// Each call changes its input (the sequence number) and returns a word of its result, so a timing
    /// loop can neither fold it away nor hit a cache.
    public struct CryptoSample {
        private let key: KeyedHMAC
        private let keyBytes: SymmetricKey
        private let signer: Ed25519Signer
        private let verifier: Ed25519Verifier
        private let signature: Signature
        private var batch: [ClientRequest]
        private var scratch = WireWriter()
        private var sequence: UInt64 = 0

        public init() {
            let seed = Digest(0x5345_4544, 1, 2, 3)
            key = KeyedHMAC(key: seed)
            keyBytes = SymmetricKey(data: withUnsafeBytes(of: (seed.w0, seed.w1, seed.w2, seed.w3)) { Array($0) })
            let signer = Ed25519Signer(seed: seed)
            self.signer = signer
            verifier = signer.verifier
            signature = Self.block(sequence: 0).withBytes { signer.sign($0) }
            batch = [ClientRequest(client: ClientID(7), sequence: 1,
                                   command: .put(Key(42), Value(tag: 42, size: 16)))]
        }

        /// The block a PREPARE authenticates.
        private static func block(sequence: UInt64) -> AuthBlock {
            AuthBlock(kind: Message.Kind.prepare, sender: NodeID(1), view: 0, sequence: sequence, digest: Digest(1, 2, 3, 4))
        }

        /// One MAC as replicas make and check them: HMAC-SHA256 with the key's pads already absorbed.
        public mutating func mac() -> UInt64 {
            sequence &+= 1
            return Self.block(sequence: sequence).withBytes { key.mac($0).high }
        }

        /// One HMAC-SHA256 through swift-crypto's `HMAC<SHA256>`, the key set up each time: what an
        /// implementation that uses the library's API directly pays.
        public mutating func libraryMAC() -> UInt64 {
            sequence &+= 1
            return Self.block(sequence: sequence).withBytes { bytes in
                HMAC<SHA256>.authenticationCode(for: bytes, using: keyBytes).withUnsafeBytes { $0.load(as: UInt64.self) }
            }
        }

        /// One Ed25519 signature over the block.
        public mutating func sign() -> UInt64 {
            sequence &+= 1
            let made = Self.block(sequence: sequence).withBytes { signer.sign($0) }
            return UInt64(made.bytes[0])
        }

        /// One Ed25519 signature check (of a valid signature).
        public mutating func verify() -> UInt64 {
            Self.block(sequence: 0).withBytes { verifier.isValid(signature, for: $0) } ? 1 : 0
        }

        /// One SHA-256 digest of a one-request batch (the `d` of a pre-prepare without batching).
        public mutating func digest() -> UInt64 {
            sequence &+= 1
            batch[0].sequence = sequence
            return PBFT.digest(of: batch, scratch: &scratch).w0
        }
    }
}
