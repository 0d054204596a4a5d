import ConsensusCore
import Testing
@testable import MultiPaxos

@Suite("Multi-Paxos wire codec")
struct CodecTests {
    static let cas = ClientRequest(client: ClientID(3), sequence: 17,
                                   command: .cas(Key(4), expected: Value(tag: 1, size: 40), new: Value(tag: 2, size: 8)))
    static let get = ClientRequest(client: ClientID(1), sequence: 2, command: .get(Key(99)))

    /// One message of every kind, with the variable parts exercised.
    static let samples: [MultiPaxos.Message] = [
        .prepare(ballot: ballot(7, 2), fromSlot: 12),
        .promise(ballot: ballot(7, 2), chosenUpTo: 3, accepted: []),
        .promise(ballot: ballot(7, 2), chosenUpTo: 3, accepted: [
            MultiPaxos.PromiseEntry(slot: 3, ballot: ballot(4, 0), chosen: false, value: .one(put(sequence: 5))),
            MultiPaxos.PromiseEntry(slot: 5, ballot: ballot(5, 1), chosen: true, value: .batch([cas, get, MultiPaxos.noopRequest])),
        ]),
        .accept(ballot: ballot(1, 0), slot: 1 << 40, chosenUpTo: 77, value: .one(cas)),
        .accept(ballot: ballot(1, 0), slot: 0, chosenUpTo: 0, value: .noop),
        .accept(ballot: ballot(1, 0), slot: 9, chosenUpTo: 8, value: .batch([get, cas])),
        .accepted(ballot: ballot(3, 2), slot: 44),
        .commit(ballot: ballot(3, 2), slot: 45),
        .nack(promised: ballot(9, 1), rejected: ballot(3, 2)),
        .heartbeat(ballot: ballot(3, 2), chosenUpTo: 1000),
        .heartbeatAck(ballot: ballot(3, 2)),
        .catchUpRequest(fromSlot: 6),
        .catchUp(firstSlot: 6, values: [], chosenUpTo: 6),
        .catchUp(firstSlot: 6, values: [.one(get), .noop, .batch([cas])], chosenUpTo: 10),
        .catchUpSnapshot(MultiPaxos.CatchUpSnapshot(logStart: 400, position: 403, state: snapshotState, chosenUpTo: 417)),
    ]

    /// A state machine that executed a put and a cas (a snapshot's payload).
    static var snapshotState: KVStateMachine {
        var machine = KVStateMachine()
        _ = machine.apply(put(client: 2, sequence: 1, key: 4, tag: 1))
        _ = machine.apply(cas)
        return machine
    }

    static func encode(_ m: MultiPaxos.Message) -> [UInt8] {
        var w = WireWriter()
        m.encode(into: &w)
        return Array(w.bytes)
    }

    @Test("every kind round-trips and its encodedSize is the bytes encode writes")
    func roundTrip() throws {
        var kinds = Set<Int>()
        for message in Self.samples {
            let bytes = Self.encode(message)
            #expect(bytes.count == message.encodedSize, "\(message)")
            var r = WireReader(bytes)
            let decoded = try MultiPaxos.Message.decode(from: &r)
            #expect(decoded == message)
            #expect(r.remaining == 0)
            kinds.insert(message.kind)
            // And as a whole frame, as the TCP shell will send it.
            let frame = Wire.encodeFrame(message, from: NodeID(2))
            #expect(frame.count == Wire.frameSize(of: message))
            let (sender, again) = try Wire.decodePeerMessage(MultiPaxos.Message.self, frame: frame)
            #expect(sender == NodeID(2) && again == message)
        }
        #expect(kinds == Set(MultiPaxos.Message.kindNames.indices), "a sample of every kind")
    }

    @Test("every truncation of a valid message throws")
    func truncatedThrows() {
        for message in Self.samples {
            let bytes = Self.encode(message)
            for cut in 0 ..< bytes.count {
                var r = WireReader(Array(bytes[..<cut]))
                #expect(throws: WireError.self) { _ = try MultiPaxos.Message.decode(from: &r) }
            }
        }
    }

    @Test("malformed fields throw instead of trapping")
    func malformedThrows() {
        func decodes(_ bytes: [UInt8]) -> Bool {
            var r = WireReader(bytes)
            return (try? MultiPaxos.Message.decode(from: &r)) != nil
        }
        #expect(!decodes([200]), "unknown kind")
        var negativeNode = WireWriter()
        negativeNode.write(UInt8(6)); negativeNode.write(UInt64(1)); negativeNode.write(Int32(-1)); negativeNode.write(UInt64(0))
        #expect(!decodes(Array(negativeNode.bytes)), "ballot of node −1")
        var hugeRound = WireWriter()
        hugeRound.write(UInt8(6)); hugeRound.write(UInt64.max); hugeRound.write(Int32(0)); hugeRound.write(UInt64(0))
        #expect(!decodes(Array(hugeRound.bytes)), "round beyond the maximum")
        var badTag = WireWriter()
        badTag.write(UInt8(2)); badTag.write(UInt64(1)); badTag.write(Int32(0)); badTag.write(UInt64(0)); badTag.write(UInt64(0)); badTag.write(UInt8(9))
        #expect(!decodes(Array(badTag.bytes)), "slot value tag 9")
        var emptyBatch = WireWriter()
        emptyBatch.write(UInt8(2)); emptyBatch.write(UInt64(1)); emptyBatch.write(Int32(0)); emptyBatch.write(UInt64(0)); emptyBatch.write(UInt64(0))
        emptyBatch.write(UInt8(1)); emptyBatch.write(UInt32(0))
        #expect(!decodes(Array(emptyBatch.bytes)), "empty batch")
        var hugeCount = WireWriter()
        hugeCount.write(UInt8(9)); hugeCount.write(UInt64(0)); hugeCount.write(UInt64(0)); hugeCount.write(UInt32.max)
        #expect(!decodes(Array(hugeCount.bytes)), "a count the bytes cannot hold")
        var badBool = WireWriter()
        badBool.write(UInt8(1)); badBool.write(UInt64(1)); badBool.write(Int32(0)); badBool.write(UInt64(0)); badBool.write(UInt32(1))
        badBool.write(UInt64(0)); badBool.write(UInt64(1)); badBool.write(Int32(0)); badBool.write(UInt8(7))
        badBool.write(UInt8(0)); badBool.write(UInt32(1)); badBool.write(UInt64(1)); badBool.write(UInt8(3))
        #expect(!decodes(Array(badBool.bytes)), "a chosen flag of 7")
    }

    @Test("random garbage never traps the decoder")
    func garbageNeverTraps() {
        var random = DeterministicRandom(seed: 7)
        var decodedSome = 0
        for _ in 0 ..< 20_000 {
            let length = random.below(64)
            var bytes = (0 ..< length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if !bytes.isEmpty { bytes[0] = UInt8(random.below(11)) }
            var r = WireReader(bytes)
            if let m = try? MultiPaxos.Message.decode(from: &r) {
                decodedSome += 1
                #expect(m.encodedSize == r.offset, "what decoded is exactly what it read")
            }
        }
        #expect(decodedSome > 0)
    }
}
