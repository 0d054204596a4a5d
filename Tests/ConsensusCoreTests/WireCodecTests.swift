import ConsensusCore
import Testing

@Suite("The wire codec")
struct WireCodecTests {
    static let requests: [ClientRequest] = [
        ClientRequest(client: ClientID(3), sequence: 9, command: .get(Key(42))),
        ClientRequest(client: ClientID(3), sequence: 10, command: .put(Key(1), Value(tag: 77, size: 64))),
        ClientRequest(client: ClientID(4), sequence: 1, command: .cas(Key(2), expected: nil, new: Value(tag: 5, size: 8))),
        ClientRequest(client: ClientID(4), sequence: 2, command: .cas(Key(2), expected: Value(tag: 5, size: 8), new: Value(tag: 6, size: 100))),
        ClientRequest(client: ClientID(0), sequence: 0, command: .noop),
    ]

    @Test("client requests round-trip and encodedSize is exact")
    func requestsRoundTrip() throws {
        for request in Self.requests {
            var w = WireWriter()
            request.encode(into: &w)
            #expect(w.bytes.count == request.encodedSize)
            var r = WireReader(w.bytes)
            #expect(try ClientRequest.decode(from: &r) == request)
            #expect(r.remaining == 0)
        }
    }

    @Test("replies round-trip and encodedSize is exact")
    func repliesRoundTrip() throws {
        let replies = [
            ClientReply(client: ClientID(1), sequence: 2, replica: NodeID(3), outcome: .executed(.value(Value(tag: 9, size: 32)))),
            ClientReply(client: ClientID(1), sequence: 2, replica: NodeID(3), outcome: .executed(.value(nil))),
            ClientReply(client: ClientID(1), sequence: 3, replica: NodeID(0), outcome: .executed(.swapped(false, previous: nil))),
            ClientReply(client: ClientID(1), sequence: 4, replica: NodeID(2), outcome: .redirect(hint: NodeID(1))),
            ClientReply(client: ClientID(1), sequence: 4, replica: NodeID(2), outcome: .redirect(hint: nil)),
        ]
        for reply in replies {
            var w = WireWriter()
            reply.encode(into: &w)
            #expect(w.bytes.count == reply.encodedSize)
            var r = WireReader(w.bytes)
            #expect(try ClientReply.decode(from: &r) == reply)
        }
    }

    @Test("every truncation of a request throws instead of trapping")
    func truncationThrows() {
        for request in Self.requests {
            var w = WireWriter()
            request.encode(into: &w)
            for cut in 0 ..< w.bytes.count {
                var r = WireReader(Array(w.bytes[0 ..< cut]))
                #expect(throws: WireError.self) { try ClientRequest.decode(from: &r) }
            }
        }
    }

    @Test("frames with a bad version, an oversize length or an unknown channel are refused")
    func badFrames() {
        var w = WireWriter()
        Wire.writeFrame(channel: .clientRequest, sender: 1, into: &w) { Self.requests[0].encode(into: &$0) }
        var frame = Array(w.bytes)
        #expect((try? Wire.decodeFrame(frame)) != nil)
        frame[4] = 99
        #expect(throws: WireError.unsupportedVersion(99)) { try Wire.decodeFrame(frame) }
        frame = Array(w.bytes)
        frame[5] = 7
        #expect(throws: WireError.unknownChannel(7)) { try Wire.decodeFrame(frame) }
        let oversize: [UInt8] = [0xFF, 0xFF, 0xFF, 0x7F, 1, 0]
        #expect(throws: WireError.self) { try Wire.frameLength(in: oversize) }
        #expect(throws: WireError.self) { try Wire.decodeFrame(Array(w.bytes.dropLast())) }
    }

    @Test("a value costs its full size on the wire")
    func valueSize() {
        var w = WireWriter()
        Value(tag: 1, size: 1000).encode(into: &w)
        #expect(w.bytes.count == 1004)
    }

    @Test("a KV state machine round-trips with its store, sessions, digest and count, and decodes into one that behaves the same")
    func stateMachineRoundTrip() throws {
        var machine = KVStateMachine()
        for request in Self.requests { machine.apply(request) }
        machine.apply(ClientRequest(client: ClientID(9), sequence: 1, command: .put(Key(7), Value(tag: 70, size: 24))))
        var w = WireWriter()
        machine.encode(into: &w)
        var r = WireReader(w.bytes)
        var back = try KVStateMachine.decode(from: &r)
        #expect(r.remaining == 0)
        #expect(back.store == machine.store && back.digest == machine.digest && back.executedCount == machine.executedCount)
        // The session table came back too: a retry of an executed request gets its remembered result.
        #expect(back.cachedResult(client: ClientID(4), sequence: 2) == machine.cachedResult(client: ClientID(4), sequence: 2))
        #expect(back.apply(Self.requests[3]) == machine.apply(Self.requests[3]))
        #expect(back.executedCount == machine.executedCount)
        for cut in 0 ..< w.bytes.count {
            var short = WireReader(Array(w.bytes[..<cut]))
            #expect(throws: WireError.self) { try KVStateMachine.decode(from: &short) }
        }
    }
}
