import ConsensusCore
import Foundation
@testable import Loopback
import Raft
import ShellKit
import Testing

/// A replica's write-ahead journal: it replays to what was written, a torn last record is dropped, and
/// damage anywhere else is refused, never half-used.
@Suite("Journal")
struct JournalTests {
    static let owner = Journal.Owner(protocolName: "raft", id: NodeID(1), replicaCount: 3)

    static func entry(_ k: Int, term: UInt64) -> Raft.Entry {
        Raft.Entry(term: term, request: ClientRequest(client: ClientID(k % 4), sequence: UInt64(k),
                                                      command: .put(Key(UInt64(k % 5)), Value(tag: UInt64(k), size: 32))))
    }

    /// A snapshot, then what a server's persists write: votes, appends, a truncated suffix replaced.
    static let records: [Raft.Replica.JournalRecord] = [
        .snapshot(Raft.DurableState()),
        .change(.hardState(currentTerm: 1, votedFor: NodeID(0))),
        .change(.entries(keep: 0, Raft.Entries((1 ... 6).map { entry($0, term: 1) }))),
        .change(.hardState(currentTerm: 2, votedFor: nil)),
        .change(.entries(keep: 4, .one(entry(5, term: 2)))),
        .change(.entries(keep: 5, .one(entry(6, term: 2)))),
    ]

    /// What the first `count` records replay to.
    static func state(after count: Int) -> Raft.DurableState? {
        var state: Raft.DurableState?
        for record in records.prefix(count) { Raft.Replica.replay(record, onto: &state) }
        return state
    }

    /// A new journal at `path` headed by the snapshot of an empty term-1 state (appended, not yet
    /// committed), and that state.
    static func freshJournal(at path: String, sync: SyncPolicy, compactionFloor: Int) throws -> (JournalWriter<Raft.Replica>, Raft.DurableState) {
        let writer = try JournalWriter<Raft.Replica>(path: path, owner: owner, sync: sync, validLength: nil, compactionFloor: compactionFloor)
        let state = Raft.DurableState(currentTerm: 1)
        writer.append([.snapshot(state)])
        return (writer, state)
    }

    /// Entry `k` (term 1) appended after the `k - 1` before it and committed, as a follower persists
    /// it; `state` follows the journal.
    static func commitEntry(_ k: Int, to writer: JournalWriter<Raft.Replica>, state: inout Raft.DurableState) throws {
        let record = Raft.DurableChange.entries(keep: UInt64(k - 1), .one(entry(k, term: 1)))
        Raft.Replica.apply(record, to: &state)
        writer.append([.change(record)])
        try writer.commit { state }
    }

    /// Removes a test's journal and the snapshot file a compaction still in flight may leave beside it.
    static func remove(_ path: String) {
        JournalHousekeeping.drain()
        for file in [path, path + ".compacting"] { try? FileManager.default.removeItem(atPath: file) }
    }

    static func path(_ name: String) -> String {
        NSTemporaryDirectory() + "consensus-bench-journal-\(getpid())-\(name).wal"
    }

    /// The journal's bytes, and where each record ends, written one commit per record.
    static func written(_ name: String) throws -> (bytes: [UInt8], recordEnds: [Int]) {
        let path = Self.path(name)
        defer { Self.remove(path) }
        let writer = try JournalWriter<Raft.Replica>(path: path, owner: owner, sync: .none, validLength: nil)
        var ends: [Int] = []
        for (k, record) in records.enumerated() {
            writer.append([record])
            try writer.commit { state(after: k + 1)! }
            ends.append(writer.size)
        }
        return (Array(try Data(contentsOf: URL(fileURLWithPath: path))), ends)
    }

    @Test("a journal replays to exactly what its records wrote, and appending after recovery goes on from there")
    func roundTrip() throws {
        let (bytes, ends) = try Self.written("roundtrip")
        let recovered = try Journal.recover(Raft.Replica.self, bytes: bytes, path: "j", owner: Self.owner)
        #expect(recovered.state == Self.state(after: Self.records.count))
        #expect(recovered.records == Self.records.count && recovered.validLength == ends.last && recovered.note == nil)

        let path = Self.path("reopen")
        defer { Self.remove(path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let writer = try JournalWriter<Raft.Replica>(path: path, owner: Self.owner, sync: .fsync, validLength: recovered.validLength)
        writer.append([.change(.hardState(currentTerm: 3, votedFor: NodeID(2)))])
        try writer.commit { Raft.DurableState() }
        #expect(writer.syncs == 1 && writer.syncedRecords == 1)
        let again = try #require(try Journal.load(Raft.Replica.self, path: path, owner: Self.owner))
        #expect(again.state?.currentTerm == 3 && again.state?.votedFor == NodeID(2) && again.state?.log == Self.state(after: Self.records.count)?.log)
    }

    @Test("a journal grown to four times its compacted size, past its floor, is rewritten as one snapshot that replays the same, and the file it replaced is closed")
    func compaction() throws {
        let path = Self.path("compaction")
        defer { Self.remove(path) }
        var (writer, state) = try Self.freshJournal(at: path, sync: .none, compactionFloor: 1 << 20)
        for k in 1 ... 20_000 { try Self.commitEntry(k, to: writer, state: &state) }
        try writer.finishCompaction()
        let recovered = try #require(try Journal.load(Raft.Replica.self, path: path, owner: Self.owner))
        #expect(recovered.state == state)
        #expect(recovered.records < 20_000, "the journal was compacted (\(recovered.records) records)")
        JournalHousekeeping.drain()
        #expect(Self.descriptorsOpen(on: path + " (deleted)") == 0, "the replaced file was closed")
    }

    @Test("records committed while a compaction's snapshot is written off the loop follow the snapshot in the new journal")
    func recordsDuringCompaction() throws {
        let path = Self.path("during-compaction")
        defer { Self.remove(path) }
        var (writer, state) = try Self.freshJournal(at: path, sync: .fsync, compactionFloor: 1 << 10)
        try writer.commit { state }
        // The housekeeping thread is held, so the snapshot cannot be written until the loop has
        // committed more records after it.
        let held = DispatchSemaphore(value: 0)
        JournalHousekeeping.run { held.wait() }
        var released = false
        defer { if !released { held.signal() } }  // a failed expectation must not leave the thread held
        var k = 0
        func commitOne() throws {
            k += 1
            try Self.commitEntry(k, to: writer, state: &state)
        }
        while writer.compaction == nil, k < 100_000 { try commitOne() }
        try #require(writer.compaction != nil, "a compaction started past the 1 KB floor")
        let snapshotAt = k
        for _ in 0 ..< 50 { try commitOne() }
        #expect(writer.compaction?.finished == nil, "the snapshot waited")
        held.signal()
        released = true
        try writer.finishCompaction()
        #expect(writer.compaction == nil)
        let recovered = try #require(try Journal.load(Raft.Replica.self, path: path, owner: Self.owner))
        #expect(recovered.state == state)
        #expect(recovered.records == 1 + 50, "the snapshot taken at entry \(snapshotAt), then the 50 records committed while it was written")
        #expect(recovered.validLength == writer.size)
        // The journal goes on from there.
        try commitOne()
        #expect(try Journal.load(Raft.Replica.self, path: path, owner: Self.owner)?.state == state)
    }

    /// This process's open descriptors that name `target` (a replaced file reads "PATH (deleted)").
    static func descriptorsOpen(on target: String) -> Int {
        let listed = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return listed.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) == target }.count
    }

    @Test("a journal reopened after recovery compacts against its head snapshot, not against all it held")
    func compactionAfterReopen() throws {
        let path = Self.path("reopen-compaction")
        defer { Self.remove(path) }
        // Written with compaction out of reach: a small snapshot, then about 20 KB of appends.
        var (first, state) = try Self.freshJournal(at: path, sync: .none, compactionFloor: .max)
        for k in 1 ... 200 { try Self.commitEntry(k, to: first, state: &state) }
        let recovered = try #require(try Journal.load(Raft.Replica.self, path: path, owner: Self.owner))
        let head = try #require(recovered.headLength)
        #expect(head < recovered.validLength / 50, "the head is the header and the first snapshot: \(head) of \(recovered.validLength) bytes")
        // Reopened with a 1 KB floor, the next commit finds the journal past four times its head snapshot.
        let reopened = try JournalWriter<Raft.Replica>(path: path, owner: Self.owner, sync: .none, validLength: recovered.validLength,
                                                       headLength: head, compactionFloor: 1 << 10)
        try Self.commitEntry(201, to: reopened, state: &state)
        try reopened.finishCompaction()
        #expect(reopened.size < recovered.validLength, "compacted: \(reopened.size) bytes, was \(recovered.validLength)")
        #expect(try Journal.load(Raft.Replica.self, path: path, owner: Self.owner)?.state == state)
    }

    @Test("no journal: the replica never persisted, and starts fresh")
    func missingFile() throws {
        #expect(try Journal.load(Raft.Replica.self, path: Self.path("missing"), owner: Self.owner) == nil)
    }

    @Test("a cut anywhere drops only the torn last record; a cut inside the header leaves an empty journal")
    func truncated() throws {
        let (bytes, ends) = try Self.written("truncated")
        // A record cut one byte short is dropped, so what is kept before the first record is the header.
        let headerEnd = try Journal.recover(Raft.Replica.self, bytes: Array(bytes[..<(ends[0] - 1)]), path: "j", owner: Self.owner).validLength
        for cut in 0 ..< bytes.count {
            let recovered = try Journal.recover(Raft.Replica.self, bytes: Array(bytes[..<cut]), path: "j", owner: Self.owner)
            let whole = ends.filter { $0 <= cut }.count
            #expect(recovered.state == Self.state(after: whole), "cut at \(cut)")
            #expect(recovered.records == whole, "cut at \(cut)")
            #expect(recovered.validLength == (ends.last { $0 <= cut } ?? (cut < headerEnd ? 0 : headerEnd)), "cut at \(cut)")
            #expect((recovered.note != nil) == !(ends + [0, headerEnd]).contains(cut), "cut at \(cut): \(recovered.note ?? "no note")")
        }
    }

    @Test("a journal whose header was cut short is started afresh, header first")
    func tornHeaderStartsAfresh() throws {
        let path = Self.path("tornheader")
        defer { Self.remove(path) }
        let (bytes, _) = try Self.written("tornheader-source")
        try Data(bytes.prefix(7)).write(to: URL(fileURLWithPath: path))
        let recovered = try #require(try Journal.load(Raft.Replica.self, path: path, owner: Self.owner))
        #expect(recovered.state == nil && recovered.validLength == 0)
        let writer = try JournalWriter<Raft.Replica>(path: path, owner: Self.owner, sync: .none, validLength: recovered.validLength)
        writer.append([Self.records[0], Self.records[1]])
        try writer.commit { Self.state(after: 2)! }
        #expect(try Journal.load(Raft.Replica.self, path: path, owner: Self.owner)?.state == Self.state(after: 2))
    }

    @Test("a flipped byte is refused unless it lies past the last record's length, which is then dropped as torn")
    func flipped() throws {
        let (bytes, ends) = try Self.written("flipped")
        // The last record's length and its complement (8 bytes): damage there is never a torn write.
        let lastBody = ends[ends.count - 2] + 8
        for k in 0 ..< bytes.count {
            var damaged = bytes
            damaged[k] ^= 0x10
            if k >= lastBody {
                let recovered = try Journal.recover(Raft.Replica.self, bytes: damaged, path: "j", owner: Self.owner)
                #expect(recovered.state == Self.state(after: Self.records.count - 1) && recovered.note != nil, "byte \(k)")
            } else {
                #expect(throws: LoopbackError.self, "byte \(k)") {
                    try Journal.recover(Raft.Replica.self, bytes: damaged, path: "j", owner: Self.owner)
                }
            }
        }
    }

    @Test("a journal another replica, protocol or cluster size wrote is refused")
    func foreignOwner() throws {
        let (bytes, _) = try Self.written("foreign")
        for other in [Journal.Owner(protocolName: "raft", id: NodeID(2), replicaCount: 3),
                      Journal.Owner(protocolName: "multipaxos", id: NodeID(1), replicaCount: 3),
                      Journal.Owner(protocolName: "raft", id: NodeID(1), replicaCount: 5)] {
            #expect(throws: LoopbackError.self) { try Journal.recover(Raft.Replica.self, bytes: bytes, path: "j", owner: other) }
        }
    }

    @Test("a damaged journal on disk is one line naming the file and the offset")
    func oneLineError() throws {
        let (bytes, ends) = try Self.written("corrupt")
        let path = Self.path("corrupt")
        defer { Self.remove(path) }
        var middle = bytes
        middle[ends[1] + 6] ^= 0xFF
        for damaged in [middle, Array("garbage\n".utf8)] {
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            do {
                _ = try Journal.load(Raft.Replica.self, path: path, owner: Self.owner)
                Issue.record("a damaged journal was loaded")
            } catch let error as LoopbackError {
                #expect(error.description.contains(path) && error.description.contains("offset"), "\(error.description)")
                #expect(!error.description.contains("\n"), "\(error.description)")
            }
        }
    }
}
