import ConsensusCore
import Testing
@testable import HotStuff

/// The wire and journal codecs: every message's `encodedSize` is what `encode` writes, decoding gives
/// the message back (its block hash recomputed from the content), and bad bytes throw, never trap.
@Suite("HotStuff wire codec")
struct WireTests {
    static func messages() -> [HotStuff.Message] {
        var chain = ChainBuilder()
        let b1 = chain.block(view: 1, on: .genesis, commands: [put(sequence: 1), put(client: 2, sequence: 1)])
        let b2 = chain.block(view: 2, on: b1)
        let qc = chain.qc(for: b2)
        var state = KVStateMachine()
        state.apply(put(sequence: 1))
        return [
            chain.proposal(b2).message,
            .vote(HotStuff.Vote(view: 2, block: b2.hash, replica: NodeID(1), signature: qc.votes[1].signature)),
            .newView(HotStuff.NewView(view: 3, highQC: qc, replica: NodeID(2), signature: qc.votes[2].signature)),
            .fetch(HotStuff.Fetch(block: b2.hash, above: 0)),
            .blocks(HotStuff.Blocks(blocks: [b2, b1], checkpointHeight: 0)),
            .stateRequest(HotStuff.StateRequest(committedHeight: 7)),
            .stateReply(HotStuff.StateReply(block: b1, state: state)),
        ]
    }

    @Test("every message encodes to encodedSize bytes and decodes back")
    func roundTrip() throws {
        for message in Self.messages() {
            var w = WireWriter()
            message.encode(into: &w)
            #expect(w.bytes.count == message.encodedSize, "\(HotStuff.Message.kindNames[message.kind])")
            var r = WireReader(w.bytes)
            #expect(try HotStuff.Message.decode(from: &r) == message)
            #expect(r.remaining == 0)
        }
    }

    @Test("truncated or altered bytes throw")
    func malformed() {
        for message in Self.messages() {
            var w = WireWriter()
            message.encode(into: &w)
            for cut in [1, w.bytes.count / 2, w.bytes.count - 1] where cut < w.bytes.count {
                var r = WireReader(Array(w.bytes.prefix(cut)))
                #expect(throws: WireError.self) { try HotStuff.Message.decode(from: &r) }
            }
        }
        var r = WireReader([9])
        #expect(throws: WireError.self) { try HotStuff.Message.decode(from: &r) }
    }

    @Test("the journal's records replay to the replica's durable state after a run of votes and commits")
    func journalReplays() throws {
        var chain = ChainBuilder()
        var settings = HotStuff.Settings()
        settings.checkpointInterval = 2
        let replica = makeReplica(id: 3, settings: settings)
        var journal: [HotStuff.Replica.JournalRecord] = []
        var parent = HotStuff.Block.genesis
        for view in UInt64(1) ... 6 {
            let b = chain.block(view: view, on: parent, commands: [put(sequence: view)])
            replica.deliver(b, by: chain)
            replica.takeDurableRecords(into: &journal)
            parent = b
        }
        #expect(replica.committedHeight == 3, "QC(b5) in b6 heads b5 ← b4 ← b3")
        // Through the codec, as the real shells' journal files hold them.
        var replayed: HotStuff.DurableState?
        for record in journal {
            var w = WireWriter()
            switch record {
            case .snapshot(let s):
                s.encode(into: &w)
                var r = WireReader(w.bytes)
                HotStuff.Replica.replay(.snapshot(try HotStuff.DurableState.decode(from: &r, cluster: cluster())), onto: &replayed)
            case .change(let c):
                c.encode(into: &w)
                var r = WireReader(w.bytes)
                HotStuff.Replica.replay(.change(try HotStuff.DurableChange.decode(from: &r, cluster: cluster())), onto: &replayed)
            }
        }
        let disk = try #require(replayed)
        let now = replica.durableState
        #expect(disk.safety == now.safety)
        #expect(disk.checkpoint == now.checkpoint)
        #expect(disk.blocks.map(\.hash) == now.blocks.map(\.hash))
        // A replica restarted from it executes the same commands again and holds the same state.
        let restarted = HotStuff.Replica(id: NodeID(3), cluster: cluster(), settings: settings, random: DeterministicRandom(seed: 3))
        var outbox = Outbox()
        restarted.start(durable: disk, now: .zero, outbox: &outbox)
        restarted.checkInvariants()
        #expect(restarted.stateMachine == replica.stateMachine)
        #expect(restarted.lastVotedView == 6)
    }
}
