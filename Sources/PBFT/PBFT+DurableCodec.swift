import ConsensusCore

// The snapshot form (a journal's head) of what a PBFT replica persists (see `PBFT.DurableState`), in the messages'
// encoding:
//
//     u64 view · u8 view active · u64 installed view · u8 has NEW-VIEW · NEW-VIEW
//     u64 checkpoint sequence · u64 checkpoint digest · proof (votes) · the checkpoint's KV state
//     u32 log slots · per slot: u64 sequence (0: an empty slot, nothing follows) · u64 view · u8 flags ·
//         [pre-prepare: digest · batch · authenticator] · [P entry: u64 view · digest · batch] ·
//         u8 Q entries · per entry: digest · u64 view
//     u32 archive entries · per entry: u8 present · [u64 sequence · batch]
//
// A slot keeps the replica's own decisions only: the votes it had received are not durable (a
// restarted replica keeps its own PREPARE and COMMIT and asks the others again), so they are not
// written; `start` rebuilds the replica's own votes from the flags (`Slot.keepOwnDecisions`).

extension PBFT.DurableState: DurableStateCodable {
    enum SlotFlag {
        static let prePrepare: UInt8 = 1
        static let sentPrepare: UInt8 = 2
        static let prepared: UInt8 = 4
        static let committed: UInt8 = 8
        static let certificate: UInt8 = 16
        static let all: UInt8 = 31
    }

    public func encode(into w: inout WireWriter) {
        w.write(view)
        w.write(isViewActive)
        w.write(installedView)
        if let nv = installedNewView {
            w.write(true)
            nv.encode(into: &w)
        } else {
            w.write(false)
        }
        w.write(checkpointSequence)
        w.write(checkpointDigest)
        checkpointProof.encode(into: &w)
        checkpointState.encode(into: &w)
        w.write(UInt32(log.count))
        for slot in log { Self.encode(slot, into: &w) }
        w.write(UInt32(archive.count))
        for entry in archive { Self.encode(entry, into: &w) }
    }

    /// u8 present · [u64 sequence · batch]
    static func encode(_ entry: PBFT.FetchEntry?, into w: inout WireWriter) {
        if let entry {
            w.write(true)
            w.write(entry.sequence)
            PBFT.encodeBatch(entry.requests, into: &w)
        } else {
            w.write(false)
        }
    }

    static func decodeArchiveEntry(from r: inout WireReader) throws(WireError) -> PBFT.FetchEntry? {
        try r.readBool() ? PBFT.FetchEntry(sequence: try r.read(), requests: try PBFT.decodeBatch(from: &r)) : nil
    }

    static func encode(_ slot: PBFT.Slot, into w: inout WireWriter) {
        w.write(slot.sequence)
        guard slot.sequence != 0 else { return }
        w.write(slot.view)
        var flags: UInt8 = 0
        if slot.hasPrePrepare { flags |= SlotFlag.prePrepare }
        if slot.sentPrepare { flags |= SlotFlag.sentPrepare }
        if slot.prepared { flags |= SlotFlag.prepared }
        if slot.committed { flags |= SlotFlag.committed }
        if slot.hasCertificate { flags |= SlotFlag.certificate }
        w.write(flags)
        if slot.hasPrePrepare {
            slot.digest.encode(into: &w)
            PBFT.encodeBatch(slot.requests, into: &w)
            slot.prePrepareAuthenticator.encode(into: &w)
        }
        if slot.hasCertificate {
            w.write(slot.certificateView)
            slot.certificateDigest.encode(into: &w)
            PBFT.encodeBatch(slot.certificateRequests, into: &w)
        }
        w.write(UInt8(slot.prePrepared.count))
        for q in slot.prePrepared {
            q.digest.encode(into: &w)
            w.write(q.view)
        }
    }

    public static func decode(from r: inout WireReader, cluster: ClusterConfig) throws(WireError) -> PBFT.DurableState {
        let n = cluster.replicaCount
        let view: UInt64 = try r.read()
        let isViewActive = try r.readBool()
        let installedView: UInt64 = try r.read()
        let installedNewView: PBFT.NewView? = try r.readBool() ? try PBFT.NewView.decode(from: &r) : nil
        let checkpointSequence: UInt64 = try r.read()
        let checkpointDigest: UInt64 = try r.read()
        let proof = try [PBFT.Vote].decode(from: &r)
        for vote in proof where vote.replica.index < 0 || vote.replica.index >= n {
            throw .invalidField("checkpoint proof from replica \(vote.replica.rawValue) in a cluster of \(n)")
        }
        let state = try KVStateMachine.decode(from: &r)
        let slots = try r.readCount(minimumElementSize: 8)
        var log: [PBFT.Slot] = []
        log.reserveCapacity(slots)
        for _ in 0 ..< slots { log.append(try decodeSlot(from: &r, replicaCount: n)) }
        let entries = try r.readCount(minimumElementSize: 1)
        var archive: [PBFT.FetchEntry?] = []
        archive.reserveCapacity(entries)
        for _ in 0 ..< entries { archive.append(try decodeArchiveEntry(from: &r)) }
        return PBFT.DurableState(view: view, isViewActive: isViewActive, installedView: installedView, installedNewView: installedNewView,
                                 checkpointSequence: checkpointSequence, checkpointDigest: checkpointDigest, checkpointProof: proof,
                                 checkpointState: state, log: log, archive: archive)
    }

    static func decodeSlot(from r: inout WireReader, replicaCount n: Int) throws(WireError) -> PBFT.Slot {
        var slot = PBFT.Slot(replicaCount: n)
        slot.sequence = try r.read()
        guard slot.sequence != 0 else { return slot }
        slot.view = try r.read()
        let flags = try r.readByte()
        guard flags & ~SlotFlag.all == 0 else { throw .invalidField("slot flags \(flags)") }
        slot.sentPrepare = flags & SlotFlag.sentPrepare != 0
        slot.prepared = flags & SlotFlag.prepared != 0
        slot.committed = flags & SlotFlag.committed != 0
        if flags & SlotFlag.prePrepare != 0 {
            slot.hasPrePrepare = true
            slot.digest = try PBFT.Digest.decode(from: &r)
            slot.requests = try PBFT.decodeBatch(from: &r)
            slot.prePrepareAuthenticator = try PBFT.Authenticator.decode(from: &r)
        }
        if flags & SlotFlag.certificate != 0 {
            slot.hasCertificate = true
            slot.certificateView = try r.read()
            slot.certificateDigest = try PBFT.Digest.decode(from: &r)
            slot.certificateRequests = try PBFT.decodeBatch(from: &r)
        }
        let kept = Int(try r.readByte())
        guard kept <= PBFT.prePreparedDigestsKept else { throw .invalidField("\(kept) pre-prepared digests in one slot") }
        for _ in 0 ..< kept {
            slot.prePrepared.append(PBFT.PrePreparedDigest(digest: try PBFT.Digest.decode(from: &r), view: try r.read()))
        }
        return slot
    }
}
