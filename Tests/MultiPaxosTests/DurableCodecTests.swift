import ConsensusCore
import Testing
@testable import MultiPaxos

/// The state file form of an acceptor's durable state (promise, accepted and chosen slots): what the
/// process shell writes on every persist and a restarted node process reads back.
@Suite("Multi-Paxos durable state codec")
struct DurableCodecTests {
    static let cluster = ClusterConfig(replicaCount: 3, faultTolerance: 1)

    static func request(_ client: Int, _ sequence: UInt64, _ command: Command) -> ClientRequest {
        ClientRequest(client: ClientID(client), sequence: sequence, command: command)
    }

    static let state = MultiPaxos.DurableState(promised: MultiPaxos.Ballot(round: 7, node: NodeID(0)), log: [
        MultiPaxos.LogSlot(ballot: MultiPaxos.Ballot(round: 1, node: NodeID(0)), value: .noop, chosen: true),
        MultiPaxos.LogSlot(ballot: MultiPaxos.Ballot(round: 1, node: NodeID(0)),
                           value: .one(request(1, 1, .put(Key(2), Value(tag: 11, size: 64)))), chosen: true),
        .empty,
        MultiPaxos.LogSlot(ballot: MultiPaxos.Ballot(round: 4, node: NodeID(0)),
                           value: .batch([request(2, 1, .get(Key(2))), request(3, 5, .cas(Key(2), expected: nil, new: Value(tag: 3, size: 8))),
                                          request(1, 2, .put(Key(9), Value(tag: 12, size: 8)))]), chosen: false),
        MultiPaxos.LogSlot(ballot: MultiPaxos.Ballot(round: 7, node: NodeID(0)),
                           value: .one(request(4, 1, .cas(Key(2), expected: Value(tag: 11, size: 64), new: Value(tag: 13, size: 8)))), chosen: false),
    ])

    /// A compacted log: slots below 120 folded into a snapshot that executed one put.
    static var compacted: MultiPaxos.DurableState {
        var machine = KVStateMachine()
        _ = machine.apply(request(5, 1, .put(Key(3), Value(tag: 21, size: 8))))
        var s = state
        s.logStart = 120
        s.snapshot = machine
        s.snapshotPosition = 131
        return s
    }

    static func encoded(_ state: MultiPaxos.DurableState) -> [UInt8] {
        var w = WireWriter()
        state.encode(into: &w)
        return Array(w.bytes)
    }

    static func decoded(_ bytes: [UInt8]) throws -> MultiPaxos.DurableState {
        var r = WireReader(bytes)
        let state = try MultiPaxos.DurableState.decode(from: &r, cluster: cluster)
        #expect(r.remaining == 0)
        return state
    }

    @Test("the promise and chosen, accepted, batched and empty slots round-trip exactly")
    func roundTrip() throws {
        #expect(try Self.decoded(Self.encoded(Self.state)) == Self.state)
        #expect(try Self.decoded(Self.encoded(Self.compacted)) == Self.compacted)
        let fresh = MultiPaxos.DurableState()
        #expect(try Self.decoded(Self.encoded(fresh)) == fresh)
    }

    @Test("a replica restarted from the decoded state rebuilds the same state machine as one restarted from the state itself")
    func restartFromDecoded() throws {
        let a = makeReplica(id: 1, durable: Self.state)
        let b = makeReplica(id: 1, durable: try Self.decoded(Self.encoded(Self.state)))
        #expect(a.durableState == b.durableState)
        #expect(a.stateMachine.store == b.stateMachine.store)
        #expect(b.stateMachine.store[Key(2)] == Value(tag: 11, size: 64))
    }

    @Test("every truncation of the encoding is an error, never a trap or a shorter log")
    func truncations() {
        let bytes = Self.encoded(Self.compacted)
        for cut in 0 ..< bytes.count {
            #expect(throws: WireError.self) { try Self.decoded(Array(bytes[..<cut])) }
        }
    }

    @Test("a replica restarted from a compacted log starts from its snapshot: slots below the log start are applied, at their positions")
    func restartFromSnapshot() throws {
        let r = makeReplica(id: 1, durable: try Self.decoded(Self.encoded(Self.compacted)))
        #expect(r.logStart == 120)
        #expect(r.firstUnchosenSlot == 122)  // the two chosen slots after the snapshot apply on top of it
        #expect(r.stateMachine.executedCount == Self.compacted.snapshot.executedCount + 1)
        #expect(r.chosenValue(at: 119) == nil && r.chosenValue(at: 121) != nil)
    }

    @Test("the journal's compaction record replaces the slots below it and keeps the rest")
    func compactionChange() throws {
        let change = MultiPaxos.DurableChange.compacted(logStart: 3, position: 5, state: Self.compacted.snapshot)
        var w = WireWriter()
        change.encode(into: &w)
        var r = WireReader(w.bytes)
        let decoded = try MultiPaxos.DurableChange.decode(from: &r, cluster: Self.cluster)
        #expect(decoded == change && r.remaining == 0)
        var state = Self.state
        MultiPaxos.Replica.apply(decoded, to: &state)
        #expect(state.logStart == 3 && state.snapshotPosition == 5 && state.snapshot == Self.compacted.snapshot)
        #expect(state.log == Array(Self.state.log.dropFirst(3)))
        // A slot written below the log start is ignored; one above lands at its own slot.
        MultiPaxos.Replica.apply(.slot(index: 1, .empty), to: &state)
        MultiPaxos.Replica.apply(.slot(index: 6, .empty), to: &state)
        #expect(state.log.count == 4 && state.logEnd == 7)
    }

    @Test("a ballot of a replica outside the cluster is refused")
    func foreignBallot() {
        var foreign = Self.state
        foreign.promised = MultiPaxos.Ballot(round: 9, node: NodeID(5))
        #expect(throws: WireError.self) { try Self.decoded(Self.encoded(foreign)) }
    }
}
