import ConsensusCore
import LockstepTesting
@testable import PBFT
import Testing

/// The state file form of PBFT's durable state (view, checkpoint with proof and state, the log of the
/// replica's own decisions with its prepared certificates, the archive): what the process shell writes
/// on every persist and a restarted node process reads back.
@Suite("PBFT durable state codec")
struct DurableCodecTests {
    static func encoded(_ state: PBFT.DurableState) -> [UInt8] {
        var w = WireWriter()
        state.encode(into: &w)
        return Array(w.bytes)
    }

    static func decoded(_ bytes: [UInt8], n: Int = 4) throws -> PBFT.DurableState {
        var r = WireReader(bytes)
        let state = try PBFT.DurableState.decode(from: &r, cluster: cluster(n))
        #expect(r.remaining == 0)
        return state
    }

    /// Replica 2 of four after six requests with checkpoints every 4: a stable checkpoint at 4 with its
    /// proof and state, prepared certificates at 5 and 6, six archived batches.
    static func checkpointedState() -> (PBFT.DurableState, PBFT.Replica) {
        let c = lockstepCluster(settings: settings(checkpointInterval: 4))
        for k in 1 ... 6 { c.order(put(client: k, sequence: 1, key: UInt64(k))) }
        c.deliverAll()
        return (c.replicas[2].durableState, c.replicas[2])
    }

    static func restarted(_ durable: PBFT.DurableState, id: Int = 2, interval: Int = 4) -> (PBFT.Replica, Outbox) {
        let replica = PBFT.Replica(id: NodeID(id), cluster: cluster(4), settings: settings(checkpointInterval: interval),
                                   random: DeterministicRandom(seed: 1))
        var outbox = Outbox()
        replica.start(durable: durable, now: .zero, outbox: &outbox)
        return (replica, outbox)
    }

    @Test("a checkpoint with its proof and state, P and Q and the archive round-trip")
    func checkpointAndCertificatesRoundTrip() throws {
        let (state, _) = Self.checkpointedState()
        #expect(state.checkpointSequence == 4 && state.loggedSequenceNumbers == [5, 6])
        #expect(state.log.filter(\.hasCertificate).count == 2)
        #expect(state.checkpointProof.count >= 3)
        let bytes = Self.encoded(state)
        let back = try Self.decoded(bytes)
        #expect(Self.encoded(back) == bytes)
        #expect(back.view == state.view && back.isViewActive == state.isViewActive)
        #expect(back.checkpointSequence == 4 && back.checkpointDigest == state.checkpointDigest)
        #expect(back.checkpointProof == state.checkpointProof)
        #expect(back.checkpointState.store == state.checkpointState.store)
        #expect(back.checkpointState.digest == state.checkpointState.digest)
        #expect(back.checkpointState.executedCount == state.checkpointState.executedCount)
        #expect(back.loggedSequenceNumbers == [5, 6])
        #expect(back.log.compactMap(\.preparedEntry) == state.log.compactMap(\.preparedEntry))
        #expect(back.log.map(\.prePrepared) == state.log.map(\.prePrepared))
        #expect(state.log.contains { !$0.prePrepared.isEmpty })
        #expect(back.archive == state.archive)
    }

    @Test("a replica restarted from the decoded state executes its log again to the same state as one restarted from the state itself")
    func restartFromDecoded() throws {
        let (state, before) = Self.checkpointedState()
        let (a, outA) = Self.restarted(state)
        let (b, outB) = Self.restarted(try Self.decoded(Self.encoded(state)))
        #expect(b.lastExecuted == 6 && b.stateMachine.digest == before.stateMachine.digest)
        #expect(outB.applied.map(\.position) == outA.applied.map(\.position))
        #expect(outB.broadcasts.map(\.kind) == outA.broadcasts.map(\.kind))
        #expect(Self.encoded(b.durableState) == Self.encoded(a.durableState))
    }

    @Test("a replica that crashed while changing view round-trips, and restarted from the decoded state sends its VIEW-CHANGE again")
    func viewChangeRoundTrip() throws {
        let backup = makeReplica(id: 2)
        _ = backup.request(put(sequence: 1))
        _ = backup.fire(PBFT.Timers.request)
        let bytes = Self.encoded(backup.durableState)
        let back = try Self.decoded(bytes)
        #expect(Self.encoded(back) == bytes)
        let (replica, outbox) = Self.restarted(back, interval: 128)
        #expect(replica.view == 1 && !replica.isViewActive)
        #expect(outbox.viewChanges.map(\.newView) == [1])
    }

    @Test("every truncation of the encoding is an error, never a trap")
    func truncations() {
        let bytes = Self.encoded(Self.checkpointedState().0)
        // Every cut in the head and the checkpoint, then a sample of the rest (the log and archive are long).
        for cut in Array(0 ..< min(bytes.count, 600)) + Array(stride(from: 600, to: bytes.count, by: 97)) {
            #expect(throws: WireError.self) { try Self.decoded(Array(bytes[..<cut])) }
        }
    }
}
