// What proves who sent a message. PBFT's replicas authenticate every message with these, and its
// clients their requests (the replicas their replies); the crash-fault protocols carry `.none`, which
// costs nothing on their wire (see `ClientRequest`'s encoding). Kept here, beside the client types,
// because a request and a reply carry one.

/// An HMAC-SHA256 code truncated to 128 bits (as RFC 4868 truncates HMAC-SHA-256 for IPsec; the
/// BFT library used 10-byte UMAC codes, TOCS §3.2).
public struct MAC: Hashable, Sendable {
    public var high: UInt64
    public var low: UInt64
    @inlinable public init(high: UInt64, low: UInt64) { self.high = high; self.low = low }
    public static let zero = MAC(high: 0, low: 0)
    public static let encodedSize = 16
}

/// An Ed25519 signature (64 bytes).
public struct Signature: Hashable, Sendable {
    public var bytes: [UInt8]
    @inlinable public init(bytes: [UInt8]) { self.bytes = bytes }
    public static let encodedSize = 64
}

/// What proves who sent a message (TOCS §3.2). A multicast carries an *authenticator*: a vector with
/// one MAC per replica, indexed by receiver, computed once by the sender; each receiver checks only
/// its own entry. A message to one replica carries one MAC. Signatures prove authorship to anyone,
/// which VIEW-CHANGE and NEW-VIEW need because they are forwarded as proofs.
public enum Authenticator: Hashable, Sendable {
    case none
    /// One MAC, for the one receiver of a point-to-point message.
    case mac(MAC)
    /// One MAC per replica (the sender's own entry is zero).
    case macs([MAC])
    case signature(Signature)

    /// u8 tag, then the MAC, the u32 count and MACs, or the 64 signature bytes.
    @inlinable public var encodedSize: Int {
        switch self {
        case .none: return 1
        case .mac: return 1 + MAC.encodedSize
        case .macs(let v): return 1 + 4 + v.count * MAC.encodedSize
        case .signature: return 1 + Signature.encodedSize
        }
    }

    public func encode(into w: inout WireWriter) {
        switch self {
        case .none:
            w.write(UInt8(0))
        case .mac(let m):
            w.write(UInt8(1)); w.write(m.high); w.write(m.low)
        case .macs(let v):
            w.write(UInt8(2)); w.write(UInt32(v.count))
            for m in v { w.write(m.high); w.write(m.low) }
        case .signature(let s):
            w.write(UInt8(3))
            w.write(bytes: s.bytes)
        }
    }

    public static func decode(from r: inout WireReader) throws(WireError) -> Authenticator {
        switch try r.readByte() {
        case 0:
            return .none
        case 1:
            return .mac(MAC(high: try r.read(), low: try r.read()))
        case 2:
            let count = try r.readCount(minimumElementSize: MAC.encodedSize)
            var v: [MAC] = []
            v.reserveCapacity(count)
            for _ in 0 ..< count { v.append(MAC(high: try r.read(), low: try r.read())) }
            return .macs(v)
        case 3:
            return .signature(Signature(bytes: try r.readBytes(Signature.encodedSize)))
        case let t:
            throw .invalidField("authenticator tag \(t)")
        }
    }
}
