import ConsensusCore
import Dispatch
import ShellKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A replica's write-ahead journal in the real shells (tcp and process): what its persists wrote,
/// appended, so that a node process killed and started again resumes from it. Each persist appends
/// the change since the last one (`Replica.takeDurableRecords`); the journal's head is a snapshot in
/// the protocol's durable-state codec, and it is rewritten as one snapshot when it has grown to four
/// times what the last one took, and to at least 8 MB (compaction, written off the event loop:
/// `JournalHousekeeping`).
///
///     header: u32 magic "CBWJ" · u8 format · u8 codec version · u8 name length · protocol name ·
///             i32 replica id · u32 replica count
///     record: u32 body length · u32 its complement · u8 kind (1 snapshot, 2 change) · body ·
///             u64 checksum of everything before it in the record (FNV-1a's multiply, eight bytes at a
///             time, then one byte at a time for the tail)
///
/// Recovery replays every record. A last record cut short or failing its checksum is what a process
/// killed in the middle of a write leaves: it is discarded with a note and the file is truncated
/// there. Damage anywhere else refuses to start, naming the file and the offset. The length carries
/// its own check because a damaged length would otherwise look like a record running past the end of
/// the file, and hide every record after it as a torn tail.
public enum Journal {
    static let magic: UInt32 = 0x4A57_4243  // "CBWJ"
    static let formatVersion: UInt8 = 3
    @usableFromInline static let snapshotKind: UInt8 = 1
    @usableFromInline static let changeKind: UInt8 = 2
    /// Length, its complement, kind, checksum.
    static let recordOverhead = 4 + 4 + 1 + 8
    /// Where a record's body begins.
    @usableFromInline static let bodyOffset = 4 + 4 + 1

    /// Where replica `id`'s journal lives in a run's folder.
    public static func path(directory: String, id: Int) -> String { "\(directory)/journal-\(id).wal" }

    /// Who wrote a journal: a journal is only ever read back by the same replica of the same cluster.
    public struct Owner: Sendable, Equatable, CustomStringConvertible {
        public var protocolName: String
        public var id: NodeID
        public var replicaCount: Int
        public init(protocolName: String, id: NodeID, replicaCount: Int) {
            self.protocolName = protocolName
            self.id = id
            self.replicaCount = replicaCount
        }
        public var description: String { "replica \(id.rawValue) of a \(protocolName) cluster of \(replicaCount)" }
    }

    static func header(owner: Owner, into w: inout WireWriter) {
        w.write(magic)
        w.write(formatVersion)
        w.write(Wire.version)
        let name = Array(owner.protocolName.utf8.prefix(255))
        w.write(UInt8(name.count))
        w.write(bytes: name)
        w.write(owner.id.rawValue)
        w.write(UInt32(owner.replicaCount))
    }

    /// Appends `records` as the journal writes them (each framed, its length checked and checksummed):
    /// what a persist costs the event loop before the write itself, which `calibrate` times per
    /// protocol on records replayed from a steady state.
    @inlinable public static func encode<S: DurableStateCodable, C: DurableStateCodable>(_ records: [DurableRecord<S, C>], into w: inout WireWriter) {
        for record in records {
            switch record {
            case .snapshot(let state): Journal.record(kind: snapshotKind, into: &w) { state.encode(into: &$0) }
            case .change(let change): Journal.record(kind: changeKind, into: &w) { change.encode(into: &$0) }
            }
        }
    }

    /// Appends one record: its body is written by `body`.
    @usableFromInline static func record(kind: UInt8, into w: inout WireWriter, body: (inout WireWriter) -> Void) {
        let start = w.count
        w.write(UInt32(0))
        w.write(UInt32(0))
        w.write(kind)
        body(&w)
        let length = UInt32(w.count - start - bodyOffset)
        w.patch(length, at: start)
        w.patch(~length, at: start + 4)
        w.write(checksum(w.bytes[start...]))
    }

    /// FNV-1a's 64-bit multiply over eight-byte words (a shift folds each product's high bits back in),
    /// then over the remaining bytes. Byte-at-a-time FNV-1a was 6 % of a PBFT node's CPU over TCP
    /// (`perf`, n=4, 64 clients): every persist checksums its records on the event loop.
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        let prime: UInt64 = 0x0000_0100_0000_01B3
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        bytes.withUnsafeBytes { raw in
            let words = raw.count / 8
            for k in 0 ..< words {
                h = (h ^ raw.loadUnaligned(fromByteOffset: k * 8, as: UInt64.self).littleEndian) &* prime
                h ^= h >> 32
            }
            for k in words * 8 ..< raw.count { h = (h ^ UInt64(raw[k])) &* prime }
        }
        return h
    }

    /// What recovery found.
    public struct Recovered<State> {
        /// What the records replay to (nil: an empty journal, or none at all).
        public var state: State?
        public var records: Int
        /// Where the good records end (the file is truncated there before new ones are appended).
        public var validLength: Int
        /// Where the header and the first record (the head snapshot) end: what the journal took when it
        /// was last compacted, which sets when it is compacted next.
        public var headLength: Int?
        /// Set when a torn last record was discarded.
        public var note: String?
    }

    /// Replays the journal in `bytes` (read from `path`), which `owner` must have written. Throws one
    /// line naming the file and the offset of whatever is wrong.
    public static func recover<R: Replica>(_ type: R.Type, bytes: [UInt8], path: String, owner: Owner) throws -> Recovered<R.DurableState>
    where R.DurableState: DurableStateCodable, R.DurableChange: DurableStateCodable {
        func damaged(_ offset: Int, _ what: String) -> LoopbackError {
            LoopbackError("journal \(path) is damaged at offset \(offset): \(what)")
        }
        // A node killed before (or while) its first write left an empty journal or part of its header.
        var expected = WireWriter()
        header(owner: owner, into: &expected)
        if bytes.count < expected.bytes.count && bytes[...] == expected.bytes[..<bytes.count] {
            let note = bytes.isEmpty ? nil : "journal \(path): discarded a torn header (\(bytes.count) of \(expected.bytes.count) bytes); no record was written"
            return Recovered(state: nil, records: 0, validLength: 0, note: note)
        }
        var r = WireReader(bytes)
        do {
            guard try r.read(UInt32.self) == magic else { throw damaged(0, "not a consensus-bench journal") }
            let format = try r.readByte()
            guard format == formatVersion else { throw damaged(4, "journal format \(format) (this build reads \(formatVersion))") }
            let codec = try r.readByte()
            guard codec == Wire.version else { throw damaged(5, "codec version \(codec) (this build writes \(Wire.version))") }
            let nameLength = Int(try r.readByte())
            let name = String(decoding: try r.readBytes(nameLength), as: UTF8.self)
            let writer = Owner(protocolName: name, id: NodeID(Int(try r.read(Int32.self))), replicaCount: Int(try r.read(UInt32.self)))
            guard writer == owner else { throw LoopbackError("journal \(path) was written by \(writer), not \(owner)") }
        } catch let error as LoopbackError {
            throw error
        } catch {
            throw damaged(r.offset, "its header is cut short")
        }
        let cluster = ClusterConfig(replicaCount: owner.replicaCount, faultTolerance: 0)
        var result = Recovered<R.DurableState>(state: nil, records: 0, validLength: r.offset, headLength: nil, note: nil)
        while r.offset < bytes.count {
            let offset = r.offset
            let remaining = bytes.count - offset
            func torn(_ why: String) -> Recovered<R.DurableState> {
                var torn = result
                torn.note = "journal \(path): discarded a torn last record at offset \(offset) (\(why)); the \(result.records) before it are kept"
                return torn
            }
            guard remaining >= recordOverhead else { return torn("\(remaining) bytes, shorter than a record's frame") }
            var frame = WireReader(bytes, offset: offset)
            let length = (try? frame.read(UInt32.self)) ?? 0
            guard (try? frame.read(UInt32.self)) == ~length else {
                throw damaged(offset, "record \(result.records + 1)'s length field is damaged")
            }
            let end = offset + bodyOffset + Int(length) + 8
            guard end <= bytes.count else { return torn("its length says \(length) bytes, \(remaining - recordOverhead) follow") }
            var tail = WireReader(bytes, offset: end - 8)
            let stored = (try? tail.read(UInt64.self)) ?? 0
            guard stored == checksum(bytes[offset ..< end - 8]) else {
                if end == bytes.count { return torn("checksum mismatch") }
                throw damaged(offset, "record \(result.records + 1) fails its checksum")
            }
            let kind = bytes[offset + 8]
            var body = WireReader(bytes, offset: offset + bodyOffset, end: end - 8)
            do {
                switch kind {
                case snapshotKind:
                    result.state = try R.DurableState.decode(from: &body, cluster: cluster)
                case changeKind:
                    guard result.state != nil else { throw damaged(offset, "a change before any snapshot") }
                    let change = try R.DurableChange.decode(from: &body, cluster: cluster)
                    R.replay(.change(change), onto: &result.state)
                default:
                    throw damaged(offset, "record kind \(kind)")
                }
                if body.remaining != 0 { throw damaged(offset, "\(body.remaining) bytes left over in record \(result.records + 1)") }
            } catch let error as LoopbackError {
                throw error
            } catch {
                throw damaged(offset, "record \(result.records + 1) does not decode: \(error)")
            }
            result.records += 1
            result.validLength = end
            if result.headLength == nil { result.headLength = end }
            r.offset = end
        }
        return result
    }

    /// Reads and replays the journal at `path`; nil when there is none (the replica never persisted).
    public static func load<R: Replica>(_ type: R.Type, path: String, owner: Owner) throws -> Recovered<R.DurableState>?
    where R.DurableState: DurableStateCodable, R.DurableChange: DurableStateCodable {
        if access(path, F_OK) != 0 && errno == ENOENT { return nil }
        let bytes: [UInt8]
        do { bytes = try ReportFile.read(path) } catch {
            throw LoopbackError("cannot read journal \(path): \(error)")
        }
        return try recover(R.self, bytes: bytes, path: path, owner: owner)
    }
}

/// Appends one replica's journal records and makes them durable as `--sync` asks. Used on the
/// replica's event loop only: the node hands it each persist's records, then commits once per
/// event-loop tick, before the tick's frames leave.
///
/// Group commit: a node handles every input that arrived during a sync in the next tick, so one sync
/// covers all the records those inputs produced; `syncs` and `syncedRecords` say how well it did.
public final class JournalWriter<R: Replica>: @unchecked Sendable
where R.DurableState: DurableStateCodable, R.DurableChange: DurableStateCodable {
    public let path: String
    let owner: Journal.Owner
    let sync: SyncPolicy
    var fd: Int32
    var buffer = WireWriter(capacity: 1 << 16)
    /// Records appended to `buffer` since the last commit.
    var pending = 0
    /// Bytes in the file, and what its head snapshot took when it was last compacted.
    public private(set) var size: Int
    var compactedSize: Int
    /// The size below which the journal is never compacted.
    let compactionFloor: Int
    public private(set) var syncs = 0
    public private(set) var syncedRecords = 0
    /// A compaction whose snapshot is being written off the loop, and what this journal got since its
    /// snapshot was taken (the new file needs it after the snapshot).
    var compaction: CompactionInFlight?
    var sinceSnapshot = WireWriter(capacity: 0)

    /// Opens the journal at `path` to append after `validLength` bytes (what recovery kept), or
    /// creates it, header first, when `validLength` is nil or 0 (nothing of it was kept).
    public init(path: String, owner: Journal.Owner, sync: SyncPolicy, validLength: Int?, headLength: Int? = nil,
                compactionFloor: Int = 8 << 20) throws {
        self.path = path
        self.compactionFloor = compactionFloor
        self.owner = owner
        self.sync = sync
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LoopbackError("cannot open journal \(path): \(String(cString: strerror(errno)))") }
        if let validLength, validLength > 0 {
            guard ftruncate(fd, off_t(validLength)) == 0 else { throw LoopbackError("cannot truncate journal \(path): \(String(cString: strerror(errno)))") }
            size = validLength
        } else {
            guard ftruncate(fd, 0) == 0 else { throw LoopbackError("cannot truncate journal \(path): \(String(cString: strerror(errno)))") }
            Journal.header(owner: owner, into: &buffer)
            size = 0
        }
        compactedSize = min(headLength ?? size, size)
        lseek(fd, off_t(size), SEEK_SET)
    }

    deinit { close(fd) }

    /// Encodes one persist's records after what is pending.
    public func append(_ records: [R.JournalRecord]) {
        Journal.encode(records, into: &buffer)
        pending += records.count
    }

    /// Writes what is pending and, under `--sync fsync`, fdatasyncs it. Then, once the journal has grown
    /// to four times its size after the last compaction and past `compactionFloor`, it starts rewriting
    /// the journal as one snapshot of `state()`, off the event loop (`JournalHousekeeping`); a later
    /// commit installs it. (At twice and 1 MB, rewriting PBFT's snapshot was 7 % of a node's CPU over
    /// TCP; etcd's WAL segments are 64 MB.)
    public func commit(state: () -> R.DurableState) throws {
        if !buffer.bytes.isEmpty {
            try Journal.writeAll(buffer.bytes, to: fd, path: path)
            size += buffer.bytes.count
            if compaction != nil { sinceSnapshot.write(bytes: buffer.bytes) }
            buffer.clear()
            if sync == .fsync {
                guard fdatasync(fd) == 0 else { throw LoopbackError("fdatasync of journal \(path) failed: \(String(cString: strerror(errno)))") }
                syncs += 1
                syncedRecords += pending
            }
            pending = 0
        }
        if let compaction {
            if let outcome = compaction.finished { try install(compaction, outcome) }
        } else if size > max(compactionFloor, 4 * compactedSize) {
            startCompaction(state())
        }
    }

    /// Waits for a compaction in flight and installs it (tests, and anyone who needs the journal
    /// compacted now).
    func finishCompaction() throws {
        guard let compaction else { return }
        JournalHousekeeping.drain()
        if let outcome = compaction.finished { try install(compaction, outcome) }
    }

    /// Hands the snapshot to the housekeeping thread. `state` is a value the replica no longer writes
    /// (its buffers are copied on the replica's next write), so encoding it there is safe.
    private func startCompaction(_ state: R.DurableState) {
        let job = CompactionInFlight(temporary: path + ".compacting")
        compaction = job
        let (owner, sync) = (owner, sync)
        JournalHousekeeping.run {
            job.finish(Result { () throws(LoopbackError) -> Int in
                try Journal.writeSnapshot(state, owner: owner, to: job.temporary, sync: sync)
            })
        }
    }

    /// Completes a compaction: the records appended since its snapshot go after it in the new file,
    /// which then replaces the journal by a rename (a kill leaves the old journal or the new one,
    /// each whole). The replaced file is closed off the loop.
    private func install(_ job: CompactionInFlight, _ outcome: Result<Int, LoopbackError>) throws {
        compaction = nil
        defer { sinceSnapshot = WireWriter(capacity: 0) }
        let snapshotBytes = try outcome.get()
        let out = open(job.temporary, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard out >= 0 else { throw LoopbackError("cannot reopen \(job.temporary): \(String(cString: strerror(errno)))") }
        do {
            try Journal.writeAll(sinceSnapshot.bytes, to: out, path: job.temporary)
            if sync == .fsync, fdatasync(out) != 0 { throw LoopbackError("fdatasync of \(job.temporary) failed") }
        } catch {
            close(out)
            throw error
        }
        guard rename(job.temporary, path) == 0 else {
            close(out)
            throw LoopbackError("cannot replace journal \(path): \(String(cString: strerror(errno)))")
        }
        JournalHousekeeping.close(fd)
        fd = out
        size = snapshotBytes + sinceSnapshot.bytes.count
        compactedSize = snapshotBytes
    }
}

extension Journal {
    /// Writes a journal that is its header and one snapshot to `path` (created or truncated), synced
    /// under `--sync fsync`; returns its size. Runs on the housekeeping thread.
    static func writeSnapshot<State: DurableStateCodable>(_ state: State, owner: Owner, to path: String,
                                                          sync: SyncPolicy) throws(LoopbackError) -> Int {
        var w = WireWriter(capacity: 1 << 16)
        header(owner: owner, into: &w)
        record(kind: snapshotKind, into: &w) { state.encode(into: &$0) }
        let out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard out >= 0 else { throw LoopbackError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(out) }
        try writeAll(w.bytes, to: out, path: path)
        if sync == .fsync, fdatasync(out) != 0 { throw LoopbackError("fdatasync of \(path) failed") }
        return w.bytes.count
    }

    static func writeAll(_ bytes: ArraySlice<UInt8>, to descriptor: Int32, path: String) throws(LoopbackError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw LoopbackError("cannot write journal \(path): \(String(cString: strerror(errno)))")
            }
            written += n
        }
    }
}
