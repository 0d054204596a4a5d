import ConsensusCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process shell's state file: what one node process's replica persisted, so that a node started
/// again after a SIGKILL resumes from it (`consensus-bench node --state FILE`).
///
///     u32 magic "CBDS" · u8 format version · u8 codec version · u8 name length · protocol name ·
///     i32 replica id · u32 replica count · u32 body length · body · u64 FNV-1a of everything before
///
/// The body is the protocol's `DurableStateCodable` encoding. The node rewrites the file whole at most
/// once per event-loop tick in which its replica emitted `persist`, before that tick's frames leave
/// (what a real replica's fsync-before-answer orders), through a temporary file and a rename: a kill
/// leaves the previous file or the new one, never a mix. It does not fsync: the fault modelled is a
/// killed process, whose writes the kernel keeps; a power cut is not. The checksum catches a file
/// damaged some other way; a file that does not check is refused, never half-used.
public enum StateFile {
    static let magic: UInt32 = 0x5344_4243  // "CBDS"
    static let formatVersion: UInt8 = 1

    /// Where the process shell keeps replica `id`'s state file in the run's folder.
    public static func path(directory: String, id: Int) -> String { "\(directory)/state-\(id).bin" }

    /// Who wrote a state file: a file is only ever loaded by the same replica of the same cluster.
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

    /// The whole file for `state`, appended to `w` (cleared first).
    public static func encode<S: DurableStateCodable>(_ state: S, owner: Owner, into w: inout WireWriter) {
        w.clear()
        w.write(magic)
        w.write(formatVersion)
        w.write(Wire.version)
        let name = Array(owner.protocolName.utf8.prefix(255))
        w.write(UInt8(name.count))
        w.write(bytes: name)
        w.write(owner.id.rawValue)
        w.write(UInt32(owner.replicaCount))
        let lengthAt = w.bytes.count
        w.write(UInt32(0))
        state.encode(into: &w)
        let length = UInt32(w.bytes.count - lengthAt - 4)
        withUnsafeBytes(of: length.littleEndian) { for k in 0 ..< 4 { w.bytes[lengthAt + k] = $0[k] } }
        w.write(checksum(w.bytes[...]))
    }

    /// The state in `bytes`, which `owner` must have written. Throws one line saying what is wrong.
    public static func decode<S: DurableStateCodable>(_ type: S.Type, from bytes: [UInt8], owner: Owner) throws(WireError) -> S {
        guard bytes.count >= 8 else { throw .truncated(needed: 8, available: bytes.count) }
        var r = WireReader(bytes, end: bytes.count - 8)
        guard try r.read(UInt32.self) == magic else { throw .invalidField("not a consensus-bench state file") }
        let format = try r.readByte()
        guard format == formatVersion else { throw .invalidField("state file format \(format) (this build reads \(formatVersion))") }
        let codec = try r.readByte()
        guard codec == Wire.version else { throw .unsupportedVersion(codec) }
        let nameLength = Int(try r.readByte())
        let name = String(decoding: try r.readBytes(nameLength), as: UTF8.self)
        let id = NodeID(Int(try r.read(Int32.self)))
        let count = Int(try r.read(UInt32.self))
        let writer = Owner(protocolName: name, id: id, replicaCount: count)
        let length = Int(try r.read(UInt32.self))
        guard r.remaining >= length else {
            throw .invalidField("cut short: its header announces a \(length)-byte state and \(r.remaining) bytes follow")
        }
        var tail = WireReader(bytes, offset: bytes.count - 8)
        let stored: UInt64 = try tail.read()
        guard r.remaining == length else { throw .invalidField("body of \(r.remaining) bytes where the header says \(length)") }
        guard stored == checksum(bytes[..<(bytes.count - 8)]) else { throw .invalidField("checksum mismatch (the file is damaged)") }
        guard writer == owner else { throw .invalidField("written by \(writer), not \(owner)") }
        let state = try S.decode(from: &r, cluster: ClusterConfig(replicaCount: owner.replicaCount, faultTolerance: 0))
        if r.remaining != 0 { throw .trailingBytes(r.remaining) }
        return state
    }

    /// 64-bit FNV-1a.
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    // MARK: Files

    /// The state in the file at `path`, or nil when there is no file (the replica never persisted).
    /// Throws one line naming the file when it cannot be read or does not decode.
    public static func load<S: DurableStateCodable>(_ type: S.Type, path: String, owner: Owner) throws -> S? {
        if access(path, F_OK) != 0 && errno == ENOENT { return nil }
        let bytes: [UInt8]
        do { bytes = try ReportFile.read(path) } catch {
            throw LoopbackError("cannot read state file \(path): \(error)")
        }
        do { return try decode(S.self, from: bytes, owner: owner) } catch {
            throw LoopbackError("state file \(path) (\(bytes.count) bytes) is not usable: \(error)")
        }
    }

    /// Writes one replica's state file, reusing its buffer. Used on the replica's event loop only.
    public final class Writer: @unchecked Sendable {
        public let path: String
        let owner: Owner
        var buffer = WireWriter(capacity: 1 << 16)
        /// Files written.
        public private(set) var writes = 0

        public init(path: String, owner: Owner) {
            self.path = path
            self.owner = owner
        }

        public func write<S: DurableStateCodable>(_ state: S) throws {
            StateFile.encode(state, owner: owner, into: &buffer)
            try ReportFile.writeAtomically(buffer.bytes, to: path)
            writes += 1
        }
    }
}
