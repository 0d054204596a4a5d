/// The versioned binary wire codec. Every frame is
///
///     u32 length (bytes after this field) · u8 version · u8 channel · i32 sender · body
///
/// little-endian. The simulator counts `frameHeaderSize + body size` bytes for every message and uses
/// it for bandwidth; the TCP shell sends exactly these bytes.
public enum Wire {
    public static let version: UInt8 = 1
    /// Length prefix + version + channel + sender.
    public static let frameHeaderSize = 10
    /// Frames larger than this are refused on decode (and never produced by a correct replica).
    public static let maximumFrameSize = 16 << 20

    /// What a frame carries.
    public enum Channel: UInt8, Sendable {
        case peer = 0
        case clientRequest = 1
        case clientReply = 2
    }
}

/// Why bytes could not be decoded. Every case is something the network can send, so it is an error,
/// never a trap.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(needed: Int, available: Int)
    case frameTooLarge(Int)
    case unsupportedVersion(UInt8)
    case unknownChannel(UInt8)
    case unknownMessageKind(UInt8)
    case invalidField(String)
    case trailingBytes(Int)

    public var description: String {
        switch self {
        case .truncated(let n, let a): return "truncated frame: needed \(n) bytes, had \(a)"
        case .frameTooLarge(let n): return "frame of \(n) bytes exceeds the maximum of \(Wire.maximumFrameSize)"
        case .unsupportedVersion(let v): return "unsupported codec version \(v) (this build speaks \(Wire.version))"
        case .unknownChannel(let c): return "unknown frame channel \(c)"
        case .unknownMessageKind(let k): return "unknown message kind \(k)"
        case .invalidField(let f): return "invalid field: \(f)"
        case .trailingBytes(let n): return "\(n) unexpected bytes after the message"
        }
    }
}

/// A message type a protocol sends between replicas.
public protocol WireMessage: Sendable {
    /// Display names of the message kinds, indexed by `kind` (the `type` column of messages.csv).
    static var kindNames: [String] { get }
    /// Which of `kindNames` this message is.
    var kind: Int { get }
    /// Exactly the number of bytes `encode` writes (checked by tests), computed without encoding.
    var encodedSize: Int { get }
    func encode(into writer: inout WireWriter)
    static func decode(from reader: inout WireReader) throws(WireError) -> Self
}

/// Appends little-endian fields to a reusable byte buffer.
public struct WireWriter {
    public var bytes: [UInt8]
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }
    @inlinable public mutating func clear() { bytes.removeAll(keepingCapacity: true) }
    @inlinable public mutating func write(_ v: UInt8) { bytes.append(v) }
    @inlinable public mutating func write<T: FixedWidthInteger>(_ v: T) {
        var le = v.littleEndian
        withUnsafeBytes(of: &le) { bytes.append(contentsOf: $0) }
    }
    @inlinable public mutating func write(_ v: Bool) { bytes.append(v ? 1 : 0) }
    @inlinable public mutating func writeZeros(_ count: Int) {
        if count > 0 { bytes.append(contentsOf: repeatElement(0, count: count)) }
    }
    @inlinable public mutating func write(bytes other: [UInt8]) { bytes.append(contentsOf: other) }
}

/// Reads little-endian fields from a byte buffer, throwing `WireError.truncated` rather than reading past its end.
public struct WireReader {
    public let bytes: [UInt8]
    public var offset: Int
    public let end: Int

    public init(_ bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = min(end ?? bytes.count, bytes.count)  // `read`'s unaligned loads rely on it
    }

    @inlinable public var remaining: Int { end - offset }

    @inlinable public mutating func need(_ n: Int) throws(WireError) {
        if n < 0 || remaining < n { throw .truncated(needed: n, available: remaining) }
    }
    @inlinable public mutating func readByte() throws(WireError) -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return bytes[offset]
    }
    /// One unaligned load once `need` has checked the bounds: assembling the integer byte by byte, each
    /// with its own bounds check, was 6 % of the tcp shell's CPU under PBFT (perf, 2026-12-07), and the
    /// load is 5-6x faster in isolation.
    @inlinable public mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws(WireError) -> T {
        let size = MemoryLayout<T>.size
        try need(size)
        let at = offset
        let raw = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: T.self) }
        offset += size
        return T(littleEndian: raw)
    }
    @inlinable public mutating func readBool() throws(WireError) -> Bool {
        switch try readByte() {
        case 0: return false
        case 1: return true
        case let b: throw .invalidField("boolean byte \(b)")
        }
    }
    @inlinable public mutating func skip(_ n: Int) throws(WireError) {
        try need(n)
        offset += n
    }
    @inlinable public mutating func readBytes(_ n: Int) throws(WireError) -> [UInt8] {
        try need(n)
        defer { offset += n }
        return Array(bytes[offset ..< offset + n])
    }
    /// A count that prefixes a list, checked against what is left so a hostile count cannot make us allocate.
    @inlinable public mutating func readCount(minimumElementSize: Int) throws(WireError) -> Int {
        let n = Int(try read(UInt32.self))
        try need(n * max(minimumElementSize, 1))
        return n
    }
}
