import ConsensusCore
@testable import PBFT
import Testing

/// The codec: every kind round-trips, `encodedSize` is exact, and bad bytes throw, never trap.
@Suite("PBFT wire codec")
struct WireTests {
    static let authenticators: [PBFT.Authenticator] = [
        .none,
        .mac(PBFT.MAC(high: 1, low: 2)),
        .macs([PBFT.MAC(high: 3, low: 4), .zero, PBFT.MAC(high: .max, low: 7)]),
        .signature(PBFT.Signature(bytes: (0 ..< 64).map { UInt8($0) })),
    ]

    static func samples(_ auth: PBFT.Authenticator) -> [PBFT.Message] {
        let batch = [put(sequence: 1), ClientRequest(client: ClientID(2), sequence: 9, command: .cas(Key(3), expected: nil, new: Value(tag: 5, size: 40))),
                     ClientRequest(client: ClientID(4), sequence: 1, command: .get(Key(8)))]
        let d = digest(batch)
        let vote = PBFT.Vote(replica: NodeID(2), authenticator: auth)
        let prepared = PBFT.PreparedEntry(view: 3, sequence: 130, digest: d, requests: batch)
        let vc = PBFT.ViewChange(newView: 4, stableSequence: 128, stableDigest: 0xABCD,
                                 checkpoints: [PBFT.CheckpointEntry(sequence: 256, stateDigest: 0xBEEF)],
                                 prepared: [prepared, PBFT.PreparedEntry(view: 2, sequence: 131, digest: digest([]), requests: [])],
                                 prePrepared: [PBFT.PrePreparedEntry(sequence: 130, digest: d, view: 3),
                                               PBFT.PrePreparedEntry(sequence: 130, digest: .zero, view: 1)],
                                 replica: NodeID(1), authenticator: auth)
        let nv = PBFT.NewView(view: 4, viewChanges: [vc, vc, vc],
                              prePrepares: [PBFT.Assignment(sequence: 129, digest: d, authenticator: auth),
                                            PBFT.Assignment(sequence: 130, digest: .zero, authenticator: auth)],
                              primary: NodeID(0), authenticator: auth)
        return [
            .prePrepare(PBFT.PrePrepare(view: 1, sequence: 2, digest: d, requests: batch, primary: NodeID(1), authenticator: auth)),
            .prePrepare(PBFT.PrePrepare(view: 1, sequence: 3, digest: digest([]), requests: [], primary: NodeID(1), authenticator: auth)),
            .prepare(PBFT.Prepare(view: 1, sequence: 2, digest: d, replica: NodeID(3), authenticator: auth)),
            .commit(PBFT.Commit(view: .max, sequence: .max, digest: d, replica: NodeID(0), authenticator: auth)),
            .checkpoint(PBFT.Checkpoint(sequence: 256, stateDigest: 0xFEED, replica: NodeID(2), authenticator: auth)),
            .viewChange(vc),
            .viewChange(PBFT.ViewChange(newView: 1, stableSequence: 0, stableDigest: 1, prepared: [], replica: NodeID(3), authenticator: auth)),
            .newView(nv),
            .forwardedRequest(PBFT.ForwardedRequest(request: batch[1], replica: NodeID(2), authenticator: auth)),
            .fetch(PBFT.Fetch(installedView: 2, from: 77, replica: NodeID(1), authenticator: auth)),
            .fetchReply(PBFT.FetchReply(view: 4, lastExecuted: 131, stableSequence: 128, stableDigest: 9, stableProof: [vote],
                                        entries: [PBFT.FetchEntry(sequence: 129, requests: batch), PBFT.FetchEntry(sequence: 130, requests: [])],
                                        newView: nv, replica: NodeID(2), authenticator: auth)),
            .fetchReply(PBFT.FetchReply(view: 0, lastExecuted: 0, stableSequence: 0, stableDigest: 0, stableProof: [], entries: [], newView: nil,
                                        replica: NodeID(0), authenticator: auth)),
        ]
    }

    static var allSamples: [PBFT.Message] { authenticators.flatMap { samples($0) } }

    @Test("every kind round-trips and encodedSize equals the bytes encode writes")
    func roundTrip() throws {
        var kinds = Set<Int>()
        for message in Self.allSamples {
            kinds.insert(message.kind)
            var w = WireWriter()
            message.encode(into: &w)
            #expect(w.bytes.count == message.encodedSize, "\(PBFT.Message.kindNames[message.kind])")
            var r = WireReader(w.bytes)
            let decoded = try PBFT.Message.decode(from: &r)
            #expect(r.remaining == 0)
            var again = WireWriter()
            decoded.encode(into: &again)
            #expect(again.bytes == w.bytes, "\(PBFT.Message.kindNames[message.kind])")
            #expect(decoded.kind == message.kind)
            // Through a whole frame too.
            let frame = Wire.encodeFrame(message, from: NodeID(3))
            #expect(frame.count == Wire.frameSize(of: message))
            let (sender, viaFrame) = try Wire.decodePeerMessage(PBFT.Message.self, frame: frame)
            #expect(sender == NodeID(3))
            #expect(viaFrame.encodedSize == message.encodedSize)
        }
        #expect(kinds.count == PBFT.Message.kindNames.count)
    }

    @Test("decoded messages equal the originals")
    func decodedEqual() throws {
        for message in Self.samples(.macs([.zero, PBFT.MAC(high: 1, low: 1)])) {
            var w = WireWriter()
            message.encode(into: &w)
            var r = WireReader(w.bytes)
            let decoded = try PBFT.Message.decode(from: &r)
            switch (message, decoded) {
            case (.prePrepare(let a), .prePrepare(let b)): #expect(a == b)
            case (.prepare(let a), .prepare(let b)): #expect(a == b)
            case (.commit(let a), .commit(let b)): #expect(a == b)
            case (.checkpoint(let a), .checkpoint(let b)): #expect(a == b)
            case (.viewChange(let a), .viewChange(let b)): #expect(a == b)
            case (.newView(let a), .newView(let b)): #expect(a == b)
            case (.forwardedRequest(let a), .forwardedRequest(let b)): #expect(a == b)
            case (.fetch(let a), .fetch(let b)): #expect(a == b)
            case (.fetchReply(let a), .fetchReply(let b)): #expect(a == b)
            default: Issue.record("kind changed in the round trip")
            }
        }
    }

    @Test("every truncation of a valid message throws a WireError")
    func truncationsThrow() {
        for message in Self.allSamples {
            var w = WireWriter()
            message.encode(into: &w)
            for cut in 0 ..< w.bytes.count {
                var r = WireReader(Array(w.bytes.prefix(cut)))
                #expect(throws: WireError.self) { _ = try PBFT.Message.decode(from: &r) }
            }
        }
    }

    @Test("garbage throws a WireError, never traps")
    func garbageThrows() {
        var random = DeterministicRandom(seed: 4242)
        var decodedSome = 0
        for round in 0 ..< 20_000 {
            let length = random.below(200)
            var bytes = (0 ..< length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if round % 2 == 0, !bytes.isEmpty { bytes[0] = UInt8(random.below(PBFT.Message.kindNames.count + 2)) }
            var r = WireReader(bytes)
            do {
                _ = try PBFT.Message.decode(from: &r)
                decodedSome += 1
            } catch {
                // WireError is the only thing decode throws (typed throws); reaching here is the point.
            }
        }
        // Flipping bytes inside valid messages: decode or throw, never trap.
        for message in Self.allSamples {
            var w = WireWriter()
            message.encode(into: &w)
            for _ in 0 ..< 50 where !w.bytes.isEmpty {
                var bytes = Array(w.bytes)
                bytes[random.below(bytes.count)] = UInt8(truncatingIfNeeded: random.next())
                var r = WireReader(bytes)
                _ = try? PBFT.Message.decode(from: &r)
            }
        }
        #expect(decodedSome < 20_000)
    }

    @Test("unknown kinds and bad tags are named in the error")
    func clearErrors() {
        var r = WireReader([200])
        #expect(throws: WireError.unknownMessageKind(200)) { _ = try PBFT.Message.decode(from: &r) }
        // A prepare whose authenticator tag is 9.
        var w = WireWriter()
        PBFT.Message.prepare(PBFT.Prepare(view: 0, sequence: 1, digest: .zero, replica: NodeID(1), authenticator: .none)).encode(into: &w)
        var tagged = Array(w.bytes)
        tagged[tagged.count - 1] = 9
        var r2 = WireReader(tagged)
        #expect(throws: WireError.invalidField("authenticator tag 9")) { _ = try PBFT.Message.decode(from: &r2) }
        // A hostile count cannot make the decoder allocate: 4 billion MACs announced, 3 bytes present.
        var r3 = WireReader([UInt8(PBFT.Message.Kind.checkpoint)] + Array(repeating: 0, count: 20) + [2, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3])
        #expect(throws: WireError.self) { _ = try PBFT.Message.decode(from: &r3) }
    }

    @Test("authenticator bytes count in the message size: n MACs of 16 bytes per multicast")
    func authenticatorSize() {
        let plain = PBFT.Message.prepare(PBFT.Prepare(view: 0, sequence: 1, digest: .zero, replica: NodeID(1), authenticator: .none))
        let vector = PBFT.Message.prepare(PBFT.Prepare(view: 0, sequence: 1, digest: .zero, replica: NodeID(1),
                                                       authenticator: .macs(Array(repeating: .zero, count: 100))))
        #expect(plain.encodedSize == 1 + 52 + 1)
        #expect(vector.encodedSize - plain.encodedSize == 4 + 100 * 16)
    }
}
