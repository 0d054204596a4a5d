import Crypto

/// A SHA-256 digest (32 bytes, kept as four words so it is a plain value with no heap storage).
/// The Byzantine protocols name what they agree on by digest: PBFT its request batches (§4.2), HotStuff
/// its blocks (a QC certifies a block's hash).
public struct SHA256Hash: Hashable, Sendable, CustomStringConvertible {
    public var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    @inlinable public init(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
    }

    public static let zero = SHA256Hash(0, 0, 0, 0)
    public static let encodedSize = 32

    /// SHA-256 of `bytes`.
    public init(hashing bytes: UnsafeRawBufferPointer) {
        var hash = SHA256()
        hash.update(bufferPointer: bytes)
        self = hash.finalize().withUnsafeBytes { SHA256Hash(loading: $0) }
    }

    /// A key or signing seed derived from a cluster's shared secret: SHA-256 of a domain tag, the secret
    /// and two ids (a pair of parties, or one party and 0). Same secret, same keys.
    public init(deriving domain: UInt64, secret: UInt64, _ a: UInt32, _ b: UInt32) {
        let material: (UInt64, UInt64, UInt64, UInt64) = (domain.littleEndian, secret.littleEndian,
                                                           UInt64(a).littleEndian, UInt64(b).littleEndian)
        self = withUnsafeBytes(of: material) { SHA256Hash(hashing: $0) }
    }

    /// The first 32 bytes of `raw`, read little-endian.
    public init(loading raw: UnsafeRawBufferPointer) {
        self.init(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                  UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                  UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                  UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }

    @inlinable public func encode(into w: inout WireWriter) {
        w.write(w0); w.write(w1); w.write(w2); w.write(w3)
    }

    @inlinable public static func decode(from r: inout WireReader) throws(WireError) -> SHA256Hash {
        SHA256Hash(try r.read(), try r.read(), try r.read(), try r.read())
    }

    /// The first six bytes in hex.
    public var description: String {
        let hex = Array("0123456789abcdef")
        var s = ""
        var v = w0
        for _ in 0 ..< 6 { s.append(hex[Int(v & 0xF0) >> 4]); s.append(hex[Int(v & 0x0F)]); v >>= 8 }
        return s
    }

    /// The first four hex digits: enough to tell a scenario's batches or blocks apart.
    public var short: String { String(description.prefix(4)) }
}
