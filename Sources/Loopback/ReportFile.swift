import Checker
import ConsensusCore
import ShellKit
#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
private let systemWrite = Darwin.write
#endif

/// How a node process hands its observations to the process shell's parent: `report-I.bin`, rewritten
/// whole (write to a temporary file, then rename) every few hundred milliseconds and at exit, and
/// `applied-I.bin`, to which every `applied` effect is appended. A node killed with SIGKILL leaves what
/// it wrote last; a partly written applied record at the end of the file is ignored. Both use the wire
/// codec's little-endian writer.
public enum ReportFile {
    static let magic: UInt32 = 0x5252_4243  // "CBRR"
    static let version: UInt8 = 2

    /// `incarnation` counts the node processes of one replica: 0 for the first, k for the one the
    /// parent started after the k-th kill. Each life writes its own files; the parent joins them.
    public static func reportPath(directory: String, id: Int, incarnation: Int = 0) -> String {
        incarnation == 0 ? "\(directory)/report-\(id).bin" : "\(directory)/report-\(id).\(incarnation).bin"
    }
    public static func appliedPath(directory: String, id: Int, incarnation: Int = 0) -> String {
        incarnation == 0 ? "\(directory)/applied-\(id).bin" : "\(directory)/applied-\(id).\(incarnation).bin"
    }

    // MARK: Report (everything but the applied effects)

    public static func encode(_ r: ReplicaReport) -> [UInt8] {
        var w = WireWriter(capacity: 1024)
        w.write(magic)
        w.write(version)
        w.write(r.id.rawValue)
        w.write(r.isUp)
        w.write(UInt8(r.byzantine.map { ByzantineBehavior.allCases.firstIndex(of: $0)! + 1 } ?? 0))
        w.write(UInt64(r.persistCount))
        w.write(UInt64(r.syncs))
        w.write(UInt64(r.syncedRecords))
        encode(r.counts, into: &w)
        w.write(UInt32(r.leadership.count))
        for l in r.leadership {
            w.write(l.at.nanoseconds)
            w.write(l.epoch)
        }
        w.write(UInt32(r.restartsAt.count))
        for k in r.restartsAt { w.write(UInt64(k)) }
        w.write(UInt64(r.executedCount))
        w.write(UInt32(r.store.count))
        for (key, value) in r.store.sorted(by: { $0.key < $1.key }) {
            w.write(key.rawValue)
            w.write(value.tag)
            w.write(value.size)
        }
        return Array(w.bytes)
    }

    /// Message counts by kind (count, bytes, rejected) and the total sent: a node's or a generator's.
    static func encode(_ counts: MessageCounts, into w: inout WireWriter) {
        w.write(UInt32(counts.counts.count))
        for k in counts.counts.indices {
            w.write(UInt64(counts.counts[k]))
            w.write(UInt64(counts.bytes[k]))
            w.write(UInt64(counts.rejected[k]))
        }
        w.write(UInt64(counts.totalSent))
    }

    static func decodeCounts(from r: inout WireReader) throws(WireError) -> MessageCounts {
        let kinds = try r.readCount(minimumElementSize: 24)
        var counts = MessageCounts(kindCount: kinds)
        for k in 0 ..< kinds {
            counts.counts[k] = Int(try r.read(UInt64.self))
            counts.bytes[k] = Int(try r.read(UInt64.self))
            counts.rejected[k] = Int(try r.read(UInt64.self))
        }
        counts.totalSent = Int(try r.read(UInt64.self))
        return counts
    }

    /// Decodes a report; its `applied` list is empty (they live in the applied file).
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> ReplicaReport {
        var r = WireReader(bytes)
        guard try r.read(UInt32.self) == magic else { throw .invalidField("not a node report file") }
        let v = try r.readByte()
        guard v == version else { throw .unsupportedVersion(v) }
        let id = NodeID(Int(try r.read(Int32.self)))
        let isUp = try r.readBool()
        let b = Int(try r.readByte())
        guard b <= ByzantineBehavior.allCases.count else { throw .invalidField("byzantine behaviour \(b)") }
        let byzantine = b == 0 ? nil : ByzantineBehavior.allCases[b - 1]
        let persistCount = Int(try r.read(UInt64.self))
        let syncs = Int(try r.read(UInt64.self))
        let syncedRecords = Int(try r.read(UInt64.self))
        let counts = try decodeCounts(from: &r)
        var leadership: [ReplicaReport.Leadership] = []
        for _ in 0 ..< (try r.readCount(minimumElementSize: 16)) {
            leadership.append(ReplicaReport.Leadership(at: Instant(nanoseconds: try r.read()), epoch: try r.read()))
        }
        var restartsAt: [Int] = []
        for _ in 0 ..< (try r.readCount(minimumElementSize: 8)) { restartsAt.append(Int(try r.read(UInt64.self))) }
        let executedCount = Int(try r.read(UInt64.self))
        var store: [Key: Value] = [:]
        for _ in 0 ..< (try r.readCount(minimumElementSize: 20)) {
            let key = Key(try r.read())
            let tag: UInt64 = try r.read()
            store[key] = Value(tag: tag, size: try r.read())
        }
        if r.remaining != 0 { throw .trailingBytes(r.remaining) }
        var report = ReplicaReport(id: id, counts: counts, applied: [], restartsAt: restartsAt, leadership: leadership,
                                   persistCount: persistCount, isUp: isUp, byzantine: byzantine, store: store, executedCount: executedCount)
        report.syncs = syncs
        report.syncedRecords = syncedRecords
        return report
    }

    // MARK: Applied effects

    public static func encode(applied: [AppliedRecord], into w: inout WireWriter) {
        for a in applied {
            w.write(a.position)
            w.write(a.executed)
            a.request.encode(into: &w)
        }
    }

    /// Every whole record in `bytes`; a record cut short at the end (a node killed mid-write) is dropped.
    public static func decodeApplied(_ bytes: [UInt8]) -> [AppliedRecord] {
        var r = WireReader(bytes)
        var out: [AppliedRecord] = []
        while r.remaining > 0 {
            do {
                let position: UInt64 = try r.read()
                let executed = try r.readBool()
                out.append(AppliedRecord(position: position, request: try ClientRequest.decode(from: &r), executed: executed))
            } catch {
                break
            }
        }
        return out
    }

    // MARK: Files

    /// Replaces `path` with `bytes` atomically (a temporary file, then rename).
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".tmp"
        try write(bytes, to: temporary, append: false)
        guard rename(temporary, path) == 0 else { throw LoopbackError("cannot rename \(temporary) to \(path): errno \(errno)") }
    }

    public static func write(_ bytes: [UInt8], to path: String, append: Bool) throws {
        let fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0o644)
        guard fd >= 0 else { throw LoopbackError("cannot open \(path) for writing: errno \(errno)") }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + offset, bytes.count - offset) }
            guard n > 0 else { throw LoopbackError("cannot write \(path): errno \(errno)") }
            offset += n
        }
    }

    public static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw LoopbackError("cannot open \(path): errno \(errno)") }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 { throw LoopbackError("cannot read \(path): errno \(errno)") }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0 ..< n])
        }
    }
}
