import ConsensusCore
import Crypto

extension PBFT {
    /// A SHA-256 digest: PBFT names requests by digest in PREPARE and COMMIT so those messages stay
    /// small (§4.2).
    public typealias Digest = SHA256Hash
    typealias Ed25519Signer = ConsensusCore.Ed25519Signer
    typealias Ed25519Verifier = ConsensusCore.Ed25519Verifier

    /// SHA-256 over the encoding of a batch of requests: the `d` of PRE-PREPARE, PREPARE and COMMIT.
    /// `scratch` is a reusable buffer, so digesting allocates nothing of ours.
    /// It covers the requests' content, not their clients' authenticators: those are proofs about the
    /// content, checked on their own (a primary that alters a request's command changes the digest and
    /// breaks the client's MAC).
    static func digest(of batch: [ClientRequest], scratch: inout WireWriter) -> Digest {
        scratch.clear()
        scratch.write(UInt32(batch.count))
        for request in batch { request.encodeContent(into: &scratch) }
        return scratch.bytes.withUnsafeBytes { Digest(hashing: $0) }
    }

    /// A batch on the wire: u32 count, then each request.
    @inlinable static func encodeBatch(_ batch: [ClientRequest], into w: inout WireWriter) {
        w.write(UInt32(batch.count))
        for request in batch { request.encode(into: &w) }
    }

    @inlinable static func batchEncodedSize(_ batch: [ClientRequest]) -> Int {
        var size = 4
        for request in batch { size += request.encodedSize }
        return size
    }

    static func decodeBatch(from r: inout WireReader) throws(WireError) -> [ClientRequest] {
        let count = try r.readCount(minimumElementSize: 13)
        var batch: [ClientRequest] = []
        batch.reserveCapacity(count)
        for _ in 0 ..< count { batch.append(try ClientRequest.decode(from: &r)) }
        return batch
    }

    /// The fixed-size block a MAC or signature of a small message covers: kind, sender, view, sequence
    /// number and a digest (of the request batch, the state, or the whole message). 52 bytes, so one
    /// HMAC-SHA256 costs two compression-function calls (inner and outer hash) and needs no buffer.
    struct AuthBlock {
        var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
        static let byteCount = 52

        init(kind: Int, sender: NodeID, view: UInt64, sequence: UInt64, digest: Digest) {
            let tag = UInt64(UInt8(truncatingIfNeeded: kind)) | UInt64(UInt32(bitPattern: sender.rawValue) & 0xFF_FFFF) << 8
            words = (view.littleEndian, sequence.littleEndian, digest.w0.littleEndian, digest.w1.littleEndian,
                     digest.w2.littleEndian, digest.w3.littleEndian, tag.littleEndian)
        }

        /// What a client's MAC or signature covers: its request's whole content, packed, so no digest is
        /// needed (a command is at most a key and two values). The key takes the view's place; the kind
        /// byte (0xF0) sets it apart from every replica message.
        init(request r: ClientRequest) {
            var kind: UInt64 = 0, first: Value? = nil, second: Value? = nil, key: UInt64 = 0
            switch r.command {
            case .get(let k): kind = 0; key = k.rawValue
            case .put(let k, let v): kind = 1; key = k.rawValue; first = v
            case .cas(let k, let expected, let new): kind = 2 | (expected == nil ? 0 : 0x100); key = k.rawValue; first = new; second = expected
            case .noop: kind = 3
            }
            let content = Digest(kind | UInt64(r.client.rawValue) << 32, first?.tag ?? 0, second?.tag ?? 0,
                                 UInt64(first?.size ?? 0) | UInt64(second?.size ?? 0) << 32)
            self.init(kind: 0xF0, sender: NodeID(0), view: key, sequence: r.sequence, digest: content)
        }

        /// What a replica's reply MAC or signature covers: the client, the request's sequence number and
        /// the whole outcome, packed (kind byte 0xF1, the replica as sender).
        init(reply r: ClientReply) {
            var kind: UInt64 = 0, value: Value? = nil, hint: Int32 = -1
            switch r.outcome {
            case .executed(.value(let v)): kind = 0 | (v == nil ? 0 : 0x100); value = v
            case .executed(.swapped(let swapped, let previous)):
                kind = 1 | (previous == nil ? 0 : 0x100) | (swapped ? 0x200 : 0); value = previous
            case .executed(.none): kind = 2
            case .redirect(let h): kind = 3; hint = h?.rawValue ?? -1
            }
            let content = Digest(kind, value?.tag ?? 0, UInt64(value?.size ?? 0), UInt64(UInt32(bitPattern: hint)))
            self.init(kind: 0xF1, sender: r.replica, view: UInt64(r.client.rawValue), sequence: r.sequence, digest: content)
        }

        /// What `--auth none` "authenticates": nothing is hashed, so nothing is computed.
        static let empty = AuthBlock(kind: 0, sender: NodeID(0), view: 0, sequence: 0, digest: .zero)

        func withBytes<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T {
            withUnsafeBytes(of: words) { body(UnsafeRawBufferPointer(rebasing: $0[0 ..< Self.byteCount])) }
        }
    }
}
