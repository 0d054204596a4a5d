#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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
///
/// The bytes live in a zero-filled array that only grows; `count` says how many are written. A field
/// is one store into that array (after one capacity and one uniqueness check), not an
/// `Array.append(contentsOf:)`: appending an integer's bytes cost 11-17 ns in a standalone `-O`
/// benchmark, and those appends were 11 % of the tcp shell's CPU under PBFT, besides the `memmove`s
/// they called (`perf`, n=4, 64 clients, 2026-12-07), where every message, authenticator and journal
/// record is written field by field.
public struct WireWriter {
    @usableFromInline var storage: [UInt8]
    /// Bytes written since the last `clear`.
    @usableFromInline var written: Int
    @inlinable public var count: Int { written }

    public init(capacity: Int = 256) {
        storage = Self.zeroFilled(max(capacity, 16), keeping: [])
        written = 0
    }

    /// What was written: a view of the writer's storage, copied only if kept past the next write.
    @inlinable public var bytes: ArraySlice<UInt8> { storage[..<count] }
    @inlinable public var isEmpty: Bool { count == 0 }

    @inlinable public mutating func clear() { written = 0 }

    /// Room for `n` more bytes.
    @inlinable mutating func reserve(_ n: Int) {
        if storage.count - count < n { grow(to: count + n) }
    }
    @usableFromInline mutating func grow(to needed: Int) {
        storage = Self.zeroFilled(max(needed, 2 * storage.count), keeping: storage)
    }

    /// A new storage of `count` bytes: `old`'s, then zeros. With `memcpy` and `memset` rather than
    /// `Array(repeating:count:)` or appending `repeatElement(0, ...)`: a debug build runs those byte by
    /// byte through unspecialised generic code, and growing was then 39 % of the debug test binary's
    /// CPU under PBFT view changes (`perf`, the silent-primary test), slowing every step tenfold.
    @usableFromInline static func zeroFilled(_ count: Int, keeping old: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let kept = old.withUnsafeBytes { source in
                if let from = source.baseAddress { memcpy(buffer.baseAddress!, from, source.count) }
                return source.count
            }
            memset(buffer.baseAddress! + kept, 0, count - kept)
            initialized = count
        }
    }

    @inlinable public mutating func write(_ v: UInt8) {
        reserve(1)
        storage[count] = v
        written += 1
    }
    @inlinable public mutating func write<T: FixedWidthInteger>(_ v: T) {
        let size = MemoryLayout<T>.size
        reserve(size)
        let at = count
        storage.withUnsafeMutableBytes { $0.storeBytes(of: v.littleEndian, toByteOffset: at, as: T.self) }
        written += size
    }
    @inlinable public mutating func write(_ v: Bool) { write(UInt8(v ? 1 : 0)) }
    @inlinable public mutating func writeZeros(_ n: Int) {
        guard n > 0 else { return }
        reserve(n)
        let at = count
        storage.withUnsafeMutableBytes { _ = memset($0.baseAddress! + at, 0, n) }
        written += n
    }
    @inlinable public mutating func write(bytes other: [UInt8]) { other.withUnsafeBytes { write(raw: $0) } }
    @inlinable public mutating func write(bytes other: ArraySlice<UInt8>) { other.withUnsafeBytes { write(raw: $0) } }
    @inlinable public mutating func write(raw other: UnsafeRawBufferPointer) {
        guard let source = other.baseAddress, other.count > 0 else { return }
        reserve(other.count)
        let at = count
        storage.withUnsafeMutableBytes { ($0.baseAddress! + at).copyMemory(from: source, byteCount: other.count) }
        written += other.count
    }
    /// Overwrites four bytes already written at `offset` with `v`, little-endian: a length prefix
    /// known only once what it measures has been written.
    @inlinable public mutating func patch(_ v: UInt32, at offset: Int) {
        precondition(offset >= 0 && offset + 4 <= count, "patch outside the written bytes")
        storage.withUnsafeMutableBytes { $0.storeBytes(of: v.littleEndian, toByteOffset: offset, as: UInt32.self) }
    }
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

    /// Reads what `writer` wrote, sharing its storage (no copy).
    public init(_ writer: WireWriter) {
        self.bytes = writer.storage
        self.offset = 0
        self.end = writer.written
    }
    /// Reads a copy of `bytes`.
    public init(_ bytes: ArraySlice<UInt8>) { self.init(Array(bytes)) }

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
