import ConsensusCore
import Foundation
import Loopback
import Raft
import Testing

/// The process shell's state file around a replica's durable state: whole or refused, never half-used.
@Suite("State file")
struct StateFileTests {
    static let owner = StateFile.Owner(protocolName: "raft", id: NodeID(1), replicaCount: 3)
    static let state = Raft.DurableState(currentTerm: 3, votedFor: NodeID(0), log: Raft.Log((1 ... 20).map { k in
        Raft.Entry(term: UInt64(1 + k / 8), request: ClientRequest(client: ClientID(k % 4), sequence: UInt64(k),
                                                                    command: .put(Key(UInt64(k % 5)), Value(tag: UInt64(k), size: 32))))
    }))

    static var bytes: [UInt8] {
        var w = WireWriter()
        StateFile.encode(state, owner: owner, into: &w)
        return w.bytes
    }

    static func path(_ name: String) -> String {
        NSTemporaryDirectory() + "consensus-bench-statefile-\(getpid())-\(name).bin"
    }

    @Test("the file round-trips the state it was written with")
    func roundTrip() throws {
        #expect(try StateFile.decode(Raft.DurableState.self, from: Self.bytes, owner: Self.owner) == Self.state)
        let path = Self.path("roundtrip")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = StateFile.Writer(path: path, owner: Self.owner)
        try writer.write(Raft.DurableState())
        try writer.write(Self.state)
        #expect(try StateFile.load(Raft.DurableState.self, path: path, owner: Self.owner) == Self.state)
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
    }

    @Test("no file: the replica never persisted, and starts fresh")
    func missingFile() throws {
        #expect(try StateFile.load(Raft.DurableState.self, path: Self.path("missing"), owner: Self.owner) == nil)
    }

    @Test("every truncation and every flipped byte is refused")
    func damaged() {
        let bytes = Self.bytes
        for cut in 0 ..< bytes.count {
            #expect(throws: WireError.self) { try StateFile.decode(Raft.DurableState.self, from: Array(bytes[..<cut]), owner: Self.owner) }
        }
        for k in stride(from: 0, to: bytes.count, by: 7) {
            var flipped = bytes
            flipped[k] ^= 0x10
            #expect(throws: WireError.self) { try StateFile.decode(Raft.DurableState.self, from: flipped, owner: Self.owner) }
        }
    }

    @Test("a file another replica, protocol or cluster size wrote is refused")
    func foreignOwner() {
        for other in [StateFile.Owner(protocolName: "raft", id: NodeID(2), replicaCount: 3),
                      StateFile.Owner(protocolName: "multipaxos", id: NodeID(1), replicaCount: 3),
                      StateFile.Owner(protocolName: "raft", id: NodeID(1), replicaCount: 5)] {
            #expect(throws: WireError.self) { try StateFile.decode(Raft.DurableState.self, from: Self.bytes, owner: other) }
        }
    }

    @Test("a truncated or corrupt file on disk is one line naming the file")
    func oneLineError() throws {
        let path = Self.path("corrupt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        for damaged in [Array(Self.bytes.prefix(Self.bytes.count / 2)), Array("garbage\n".utf8)] {
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            do {
                _ = try StateFile.load(Raft.DurableState.self, path: path, owner: Self.owner)
                Issue.record("a damaged state file was loaded")
            } catch let error as LoopbackError {
                #expect(error.description.contains(path))
                #expect(!error.description.contains("\n"), "\(error.description)")
            }
        }
    }
}
