import ConsensusCore
import Synchronization

extension HotStuff {
    /// What a signature covers: a domain tag (proposal, vote or NEW-VIEW), a view, one more number
    /// (a NEW-VIEW's QC view; zero otherwise) and a block hash. 56 bytes, on the stack.
    struct SignedContent: Hashable {
        var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

        static let proposalTag: UInt64 = 0x4853_5052_4F50_4F53  // "HSPROPOS"
        static let voteTag: UInt64 = 0x4853_564F_5445_0000  // "HSVOTE"
        static let newViewTag: UInt64 = 0x4853_4E45_5756_4945  // "HSNEWVIE"

        init(tag: UInt64, view: UInt64, aux: UInt64 = 0, block: SHA256Hash) {
            words = (tag.littleEndian, view.littleEndian, aux.littleEndian, block.w0.littleEndian, block.w1.littleEndian,
                     block.w2.littleEndian, block.w3.littleEndian)
        }

        static func proposal(_ b: Block) -> SignedContent { SignedContent(tag: proposalTag, view: b.view, block: b.hash) }
        static func vote(view: UInt64, block: SHA256Hash) -> SignedContent { SignedContent(tag: voteTag, view: view, block: block) }
        static func newView(view: UInt64, highQC: QuorumCertificate) -> SignedContent {
            SignedContent(tag: newViewTag, view: view, aux: highQC.view, block: highQC.block)
        }

        func withBytes<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T { withUnsafeBytes(of: words, body) }

        static func == (a: SignedContent, b: SignedContent) -> Bool {
            a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
                && a.words.4 == b.words.4 && a.words.5 == b.words.5 && a.words.6 == b.words.6
        }

        func hash(into h: inout Hasher) {
            h.combine(words.0); h.combine(words.1); h.combine(words.2); h.combine(words.3)
            h.combine(words.4); h.combine(words.5); h.combine(words.6)
        }
    }

    /// The 32-byte seed of `replica`'s Ed25519 key: SHA-256 of a domain tag, the cluster's secret and
    /// the replica id (keys are established out of band, per run, from the run's seed).
    static func signingSeed(secret: UInt64, of replica: NodeID) -> SHA256Hash {
        SHA256Hash(deriving: 0x484F_5453_5455_4646, secret: secret, UInt32(bitPattern: replica.rawValue), 0)  // "HOTSTUFF"
    }

    /// `content` signed by `replica` with its key (also what a faulty replica's shell signs its lies with).
    static func sign(_ content: SignedContent, as replica: NodeID, secret: UInt64) -> Signature {
        content.withBytes { Ed25519Signer(seed: signingSeed(secret: secret, of: replica)).sign($0) }
    }

    /// One replica's keys: its signing key, and every replica's public key, derived at first use.
    struct Keyring {
        let me: NodeID
        let secret: UInt64
        private let signer: Ed25519Signer
        private var verifiers: [Ed25519Verifier?]
        let memo: SignatureMemo?

        init(me: NodeID, n: Int, secret: UInt64, memo: SignatureMemo?) {
            self.me = me
            self.secret = secret
            self.memo = memo
            signer = Ed25519Signer(seed: HotStuff.signingSeed(secret: secret, of: me))
            verifiers = Array(repeating: nil, count: n)
        }

        /// Signs `content`. In the simulator the signature also goes into the memo: Ed25519 is correct
        /// (a signature made with a key verifies under its public key), so a replica that later checks
        /// it would find it valid; it is still counted and charged as a check when one is made.
        func sign(_ content: SignedContent, work: inout CryptoWork) -> Signature {
            work.signaturesMade += 1
            let signature = content.withBytes { signer.sign($0) }
            memo?.insert(SignatureMemo.Entry(signer: me.rawValue, content: content, signature: signature))
            return signature
        }

        /// Whether `signature` is `signer`'s on `content`. Counted as one check whether or not the
        /// simulator's memo saves the host from computing it again.
        mutating func verify(_ signature: Signature, on content: SignedContent, by signer: NodeID, work: inout CryptoWork) -> Bool {
            guard signer.index >= 0, signer.index < verifiers.count, signature.bytes.count == Signature.encodedSize else { return false }
            work.signaturesVerified += 1
            let entry = SignatureMemo.Entry(signer: signer.rawValue, content: content, signature: signature)
            if let memo, memo.contains(entry) { return true }
            if verifiers[signer.index] == nil {
                verifiers[signer.index] = Ed25519Signer(seed: HotStuff.signingSeed(secret: secret, of: signer)).verifier
            }
            let valid = content.withBytes { verifiers[signer.index]!.isValid(signature, for: $0) }
            if valid { memo?.insert(entry) }
            return valid
        }
    }
}

/// Signatures the replicas of one simulated run made or have already found valid. A check is a pure
/// function of key, content and signature, so remembering its result changes no outcome and no figure
/// (each replica still counts, and the simulator charges, every check it makes); it only spares the
/// host CPU from verifying what an honest replica signed, or the same QC once per replica. Only valid
/// signatures are remembered: a corrupted one, or one a faulty replica's shell made for a lie, is
/// checked for real.
public final class SignatureMemo: Sendable {
    struct Entry: Hashable {
        var signer: Int32
        var content: HotStuff.SignedContent
        var signature: Signature
    }

    private let valid = Mutex<Set<Entry>>([])
    /// A QC's signatures are checked by every replica within a few views of its forming, so the memo
    /// forgets everything when it reaches this size: its memory stays bounded in a long run.
    static let capacity = 1 << 15

    public init() {}

    func contains(_ entry: Entry) -> Bool { valid.withLock { $0.contains(entry) } }
    func insert(_ entry: Entry) {
        valid.withLock { set in
            if set.count >= Self.capacity { set.removeAll(keepingCapacity: true) }
            set.insert(entry)
        }
    }
}
