import ConsensusCore
import Testing
@testable import Raft

/// The state file form of Raft's durable state (term, vote, log): what the process shell writes on
/// every persist and a restarted node process reads back.
@Suite("Raft durable state codec")
struct DurableCodecTests {
    static let cluster = ClusterConfig(replicaCount: 3, faultTolerance: 1)
    static let value = Value(tag: 0xFEED, size: 48)

    static let state = Raft.DurableState(currentTerm: 5, votedFor: NodeID(2), log: Raft.Log([
        Raft.Entry(term: 1, request: ClientRequest(client: ClientID(0), sequence: 0, command: .noop)),
        Raft.Entry(term: 1, request: ClientRequest(client: ClientID(1), sequence: 1, command: .put(Key(4), value))),
        Raft.Entry(term: 2, request: ClientRequest(client: ClientID(2), sequence: 1, command: .get(Key(4)))),
        Raft.Entry(term: 2, request: ClientRequest(client: ClientID(1), sequence: 2, command: .cas(Key(4), expected: value, new: Value(tag: 9, size: 8)))),
        Raft.Entry(term: 4, request: ClientRequest(client: ClientID(3), sequence: 7, command: .cas(Key(5), expected: nil, new: value))),
    ]))

    static func encoded(_ state: Raft.DurableState) -> [UInt8] {
        var w = WireWriter()
        state.encode(into: &w)
        return Array(w.bytes)
    }

    static func decoded(_ bytes: [UInt8]) throws -> Raft.DurableState {
        var r = WireReader(bytes)
        let state = try Raft.DurableState.decode(from: &r, cluster: cluster)
        #expect(r.remaining == 0)
        return state
    }

    @Test("a compacted log (§7): the snapshot's index, term and state machine, and the entries after it, round-trip exactly")
    func snapshotRoundTrip() throws {
        var machine = KVStateMachine()
        for e in Self.state.log.entries { machine.apply(e.request) }
        var compacted = Self.state
        compacted.log.compact(through: 3, term: 2)
        compacted.snapshot = machine
        #expect(compacted.log.entries.count == 2 && compacted.log.lastIndex == 5)
        #expect(try Self.decoded(Self.encoded(compacted)) == compacted)
    }

    @Test("term, vote and a log of several entries and terms round-trip exactly")
    func roundTrip() throws {
        #expect(try Self.decoded(Self.encoded(Self.state)) == Self.state)
        let fresh = Raft.DurableState()
        #expect(try Self.decoded(Self.encoded(fresh)) == fresh)
        var noVote = Self.state
        noVote.votedFor = nil
        #expect(try Self.decoded(Self.encoded(noVote)) == noVote)
    }

    @Test("a follower restarted from the decoded state holds the same log and term as one restarted from the state itself")
    func restartFromDecoded() throws {
        func restarted(_ durable: Raft.DurableState) -> Raft.Replica {
            let replica = Raft.Replica(id: NodeID(1), cluster: Self.cluster, settings: Raft.Settings(), random: DeterministicRandom(seed: 1))
            var outbox = Outbox()
            replica.start(durable: durable, now: .zero, outbox: &outbox)
            return replica
        }
        let a = restarted(Self.state), b = restarted(try Self.decoded(Self.encoded(Self.state)))
        #expect(a.durableState == b.durableState)
        #expect(b.durableState.log.lastIndex == 5 && b.durableState.currentTerm == 5)
    }

    @Test("every truncation of the encoding is an error, never a trap or a shorter log")
    func truncations() {
        let bytes = Self.encoded(Self.state)
        for cut in 0 ..< bytes.count {
            #expect(throws: WireError.self) { try Self.decoded(Array(bytes[..<cut])) }
        }
    }

    @Test("a vote for a replica outside the cluster, or a log whose terms go backwards, is refused")
    func impossibleStates() {
        var outside = Self.state
        outside.votedFor = NodeID(3)
        #expect(throws: WireError.self) { try Self.decoded(Self.encoded(outside)) }
        var backwards = Self.state
        backwards.log = Raft.Log([Raft.Entry(term: 3, request: ClientRequest(client: ClientID(1), sequence: 1, command: .noop)),
                                  Raft.Entry(term: 2, request: ClientRequest(client: ClientID(1), sequence: 2, command: .noop))])
        #expect(throws: WireError.self) { try Self.decoded(Self.encoded(backwards)) }
    }
}
