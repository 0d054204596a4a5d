import ConsensusCore
import Testing
@testable import Raft

/// The wire codec of Raft's messages: round trips, sizes, and hostile bytes.
@Suite("Raft wire codec")
struct WireTests {
    static let value = Value(tag: 0xDEAD_BEEF, size: 40)
    static let entries: [Raft.Entry] = [
        Raft.Entry(term: 3, request: ClientRequest(client: ClientID(1), sequence: 9, command: .put(Key(4), value))),
        Raft.Entry(term: 3, request: ClientRequest(client: ClientID(2), sequence: 1, command: .get(Key(8)))),
        Raft.Entry(term: 4, request: ClientRequest(client: ClientID(5), sequence: 2, command: .cas(Key(1), expected: nil, new: value))),
        Raft.Entry(term: 4, request: ClientRequest(client: ClientID(5), sequence: 3, command: .cas(Key(1), expected: value, new: Value(tag: 1, size: 8)))),
        Raft.Entry(term: 5, request: Raft.noopRequest(term: 5)),
    ]

    /// One message of every kind, and of every shape within a kind.
    static let samples: [Raft.Message] = [
        .requestVote(Raft.VoteRequest(term: 7, lastLogIndex: 12, lastLogTerm: 6)),
        .requestVoteResponse(Raft.VoteResponse(term: 7, granted: true)),
        .requestVoteResponse(Raft.VoteResponse(term: 8, granted: false)),
        .preVote(Raft.VoteRequest(term: 8, lastLogIndex: 0, lastLogTerm: 0)),
        .preVoteResponse(Raft.VoteResponse(term: 8, granted: true)),
        .appendEntries(Raft.AppendEntries(term: 9, prevLogIndex: 100, prevLogTerm: 8, entries: .none, leaderCommit: 99)),
        .appendEntries(Raft.AppendEntries(term: 9, prevLogIndex: 100, prevLogTerm: 8, entries: .one(entries[0]), leaderCommit: 99)),
        .appendEntries(Raft.AppendEntries(term: 9, prevLogIndex: 100, prevLogTerm: 8, entries: .many(entries), leaderCommit: 99)),
        .appendEntriesResponse(Raft.AppendEntriesResponse(term: 9, outcome: .success(matchIndex: 101))),
        .appendEntriesResponse(Raft.AppendEntriesResponse(term: 9, outcome: .rejected(prevLogIndex: 100, conflictTerm: 4, conflictIndex: 60))),
        .installSnapshot(Raft.InstallSnapshot(term: 9, lastIncludedIndex: 100, lastIncludedTerm: 8, state: snapshotState)),
    ]

    /// A state machine that executed every entry above.
    static var snapshotState: KVStateMachine {
        var machine = KVStateMachine()
        for e in entries { machine.apply(e.request) }
        return machine
    }

    static func encode(_ m: Raft.Message) -> [UInt8] {
        var w = WireWriter()
        m.encode(into: &w)
        return Array(w.bytes)
    }

    @Test("every message kind round-trips through encode and decode, and encodedSize is what encode writes",
          arguments: samples)
    func roundTrip(_ message: Raft.Message) throws {
        let bytes = Self.encode(message)
        #expect(bytes.count == message.encodedSize)
        var r = WireReader(bytes)
        let decoded = try Raft.Message.decode(from: &r)
        #expect(decoded == message)
        #expect(r.remaining == 0)
        // And as a whole frame, the way the TCP shell sends it.
        let frame = Wire.encodeFrame(message, from: NodeID(3))
        #expect(frame.count == Wire.frameSize(of: message))
        let (sender, again) = try Wire.decodePeerMessage(Raft.Message.self, frame: frame)
        #expect(sender == NodeID(3))
        #expect(again == message)
    }

    @Test("the samples cover every message kind")
    func samplesCoverKinds() {
        #expect(Set(Self.samples.map(\.kind)) == Set(Raft.Message.kindNames.indices))
        #expect(Raft.Message.kindNames == ["RequestVote", "RequestVoteResponse", "PreVote", "PreVoteResponse",
                                           "AppendEntries", "AppendEntriesResponse", "InstallSnapshot"])
    }

    @Test("truncated bytes throw WireError", arguments: samples)
    func truncated(_ message: Raft.Message) {
        let bytes = Self.encode(message)
        for length in 0 ..< bytes.count {
            var r = WireReader(Array(bytes[0 ..< length]))
            #expect(throws: WireError.self, "prefix of \(length) of \(bytes.count) bytes") {
                _ = try Raft.Message.decode(from: &r)
            }
        }
    }

    @Test("malformed fields throw WireError")
    func malformedFields() throws {
        func decode(_ bytes: [UInt8]) throws(WireError) -> Raft.Message {
            var r = WireReader(bytes)
            return try Raft.Message.decode(from: &r)
        }
        #expect(throws: WireError.unknownMessageKind(7)) { _ = try decode([7]) }
        #expect(throws: WireError.unknownMessageKind(255)) { _ = try decode([255, 1, 2, 3]) }

        var vote = Self.encode(.requestVoteResponse(Raft.VoteResponse(term: 1, granted: true)))
        vote[9] = 2  // a boolean byte that is neither 0 nor 1
        #expect(throws: WireError.self) { _ = try decode(vote) }

        var response = Self.encode(.appendEntriesResponse(Raft.AppendEntriesResponse(term: 1, outcome: .success(matchIndex: 1))))
        response[9] = 7  // no such outcome
        #expect(throws: WireError.self) { _ = try decode(response) }

        // A count that promises more entries than the bytes could hold: refused before allocating.
        var append = Self.encode(.appendEntries(Raft.AppendEntries(term: 1, prevLogIndex: 0, prevLogTerm: 0, entries: .none, leaderCommit: 0)))
        append.replaceSubrange(33 ..< 37, with: [0xFF, 0xFF, 0xFF, 0x7F])
        #expect(throws: WireError.self) { _ = try decode(append) }

        // An entry whose command tag is unknown.
        var one = Self.encode(.appendEntries(Raft.AppendEntries(term: 1, prevLogIndex: 0, prevLogTerm: 0, entries: .one(Self.entries[1]), leaderCommit: 0)))
        one[37 + 8 + 4 + 8] = 9
        #expect(throws: WireError.self) { _ = try decode(one) }

        // Trailing bytes after a complete message are refused at the frame level.
        var frame = Wire.encodeFrame(Raft.Message.requestVoteResponse(Raft.VoteResponse(term: 1, granted: false)), from: NodeID(0))
        frame.append(0)
        frame[0] &+= 1
        #expect(throws: WireError.trailingBytes(1)) { _ = try Wire.decodePeerMessage(Raft.Message.self, frame: frame) }
    }

    @Test("garbage bytes either decode or throw WireError, never trap")
    func garbage() {
        var random = DeterministicRandom(seed: 2024)
        var decoded = 0
        for _ in 0 ..< 20_000 {
            let length = random.below(80)
            var bytes = (0 ..< length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if !bytes.isEmpty { bytes[0] = UInt8(random.below(7)) }  // mostly valid kinds, so the fields get exercised
            var r = WireReader(bytes)
            if let m = try? Raft.Message.decode(from: &r) {
                decoded += 1
                // Whatever decoded re-encodes to the bytes it came from.
                #expect(Self.encode(m) == Array(bytes[0 ..< r.offset]))
            }
        }
        #expect(decoded > 0)
    }

    @Test("mutating any byte of a valid message either decodes or throws WireError", arguments: samples)
    func bitFlips(_ message: Raft.Message) {
        let bytes = Self.encode(message)
        for i in bytes.indices {
            for v: UInt8 in [0, 1, 2, 0x7F, 0xFF] {
                var mutated = bytes
                mutated[i] = v
                var r = WireReader(mutated)
                _ = try? Raft.Message.decode(from: &r)
            }
        }
    }
}
