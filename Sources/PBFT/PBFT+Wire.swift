import ConsensusCore

// The binary encoding of every PBFT message: u8 kind, then the fields in order, little-endian; lists
// are a u32 count then the elements; every message ends with its authenticator. `encodedSize` is
// computed without encoding and equals the bytes `encode` writes (the tests check both).

extension PBFT.Message {
    public var encodedSize: Int {
        switch self {
        case .prePrepare(let m): return 1 + m.encodedSize
        case .prepare(let m): return 1 + PBFT.phaseBodySize + m.authenticator.encodedSize
        case .commit(let m): return 1 + PBFT.phaseBodySize + m.authenticator.encodedSize
        case .checkpoint(let m): return 1 + m.encodedSize
        case .viewChange(let m): return 1 + m.encodedSize
        case .newView(let m): return 1 + m.encodedSize
        case .forwardedRequest(let m): return 1 + m.request.encodedSize + 4 + m.authenticator.encodedSize
        case .fetch(let m): return 1 + 8 + 8 + 4 + m.authenticator.encodedSize
        case .fetchReply(let m): return 1 + m.encodedSize
        }
    }

    public func encode(into w: inout WireWriter) {
        w.write(UInt8(kind))
        switch self {
        case .prePrepare(let m): m.encode(into: &w)
        case .prepare(let m): m.encode(into: &w)
        case .commit(let m): m.encode(into: &w)
        case .checkpoint(let m): m.encode(into: &w)
        case .viewChange(let m): m.encode(into: &w)
        case .newView(let m): m.encode(into: &w)
        case .forwardedRequest(let m):
            m.request.encode(into: &w)
            m.replica.encode(into: &w)
            m.authenticator.encode(into: &w)
        case .fetch(let m):
            w.write(m.installedView); w.write(m.from); m.replica.encode(into: &w)
            m.authenticator.encode(into: &w)
        case .fetchReply(let m): m.encode(into: &w)
        }
    }

    public static func decode(from r: inout WireReader) throws(WireError) -> PBFT.Message {
        let kind = try r.readByte()
        switch Int(kind) {
        case Kind.prePrepare: return .prePrepare(try PBFT.PrePrepare.decode(from: &r))
        case Kind.prepare: return .prepare(try PBFT.Prepare.decode(from: &r))
        case Kind.commit: return .commit(try PBFT.Commit.decode(from: &r))
        case Kind.checkpoint: return .checkpoint(try PBFT.Checkpoint.decode(from: &r))
        case Kind.viewChange: return .viewChange(try PBFT.ViewChange.decode(from: &r))
        case Kind.newView: return .newView(try PBFT.NewView.decode(from: &r))
        case Kind.forwardedRequest:
            let request = try ClientRequest.decode(from: &r)
            let replica = try NodeID.decode(from: &r)
            return .forwardedRequest(PBFT.ForwardedRequest(request: request, replica: replica,
                                                           authenticator: try PBFT.Authenticator.decode(from: &r)))
        case Kind.fetch:
            let view: UInt64 = try r.read()
            let from: UInt64 = try r.read()
            let replica = try NodeID.decode(from: &r)
            return .fetch(PBFT.Fetch(installedView: view, from: from, replica: replica,
                                     authenticator: try PBFT.Authenticator.decode(from: &r)))
        case Kind.fetchReply: return .fetchReply(try PBFT.FetchReply.decode(from: &r))
        default: throw .unknownMessageKind(kind)
        }
    }
}

extension PBFT.PhaseVote {
    func encode(into w: inout WireWriter) {
        PBFT.encodePhase(view: view, sequence: sequence, digest: digest, replica: replica, into: &w)
        authenticator.encode(into: &w)
    }
    static func decode(from r: inout WireReader) throws(WireError) -> Self {
        let (v, n, d, i) = try PBFT.decodePhase(from: &r)
        return Self(view: v, sequence: n, digest: d, replica: i, authenticator: try PBFT.Authenticator.decode(from: &r))
    }
}

extension PBFT {
    /// view · sequence · digest · replica: the shared body of PREPARE and COMMIT (and PRE-PREPARE's head).
    static let phaseBodySize = 8 + 8 + Digest.encodedSize + 4

    @inlinable static func encodePhase(view: UInt64, sequence: UInt64, digest: Digest, replica: NodeID, into w: inout WireWriter) {
        w.write(view); w.write(sequence); digest.encode(into: &w); replica.encode(into: &w)
    }

    static func decodePhase(from r: inout WireReader) throws(WireError) -> (UInt64, UInt64, Digest, NodeID) {
        (try r.read(), try r.read(), try Digest.decode(from: &r), try NodeID.decode(from: &r))
    }

    static func decodeList<T>(from r: inout WireReader, minimumElementSize: Int,
                              _ element: (inout WireReader) throws(WireError) -> T) throws(WireError) -> [T] {
        let count = try r.readCount(minimumElementSize: minimumElementSize)
        var list: [T] = []
        list.reserveCapacity(count)
        for _ in 0 ..< count { list.append(try element(&r)) }
        return list
    }

    /// SHA-256 of what `encodeBody` writes: what the signature or MAC of a variable-size message covers.
    static func contentDigest(_ encodeBody: (inout WireWriter) -> Void) -> Digest {
        var w = WireWriter(capacity: 512)
        encodeBody(&w)
        return w.bytes.withUnsafeBytes { Digest(hashing: $0) }
    }
}

extension PBFT {
    /// A variable-size message whose authenticator covers the SHA-256 of its body (VIEW-CHANGE,
    /// NEW-VIEW, a fetch reply): on the wire, the body and then the authenticator.
    protocol DigestAuthenticated {
        var bodySize: Int { get }
        var authenticator: Authenticator { get }
        func encodeBody(into w: inout WireWriter)
    }
}

extension PBFT.DigestAuthenticated {
    var encodedSize: Int { bodySize + authenticator.encodedSize }
    func encode(into w: inout WireWriter) {
        encodeBody(into: &w)
        authenticator.encode(into: &w)
    }
    /// What the authenticator's block names as the digest.
    var bodyDigest: PBFT.Digest { PBFT.contentDigest { encodeBody(into: &$0) } }
}

extension PBFT.PrePrepare {
    var encodedSize: Int { PBFT.phaseBodySize + PBFT.batchEncodedSize(requests) + authenticator.encodedSize }
    func encode(into w: inout WireWriter) {
        PBFT.encodePhase(view: view, sequence: sequence, digest: digest, replica: primary, into: &w)
        PBFT.encodeBatch(requests, into: &w)
        authenticator.encode(into: &w)
    }
    static func decode(from r: inout WireReader) throws(WireError) -> PBFT.PrePrepare {
        let (v, n, d, p) = try PBFT.decodePhase(from: &r)
        let batch = try PBFT.decodeBatch(from: &r)
        return PBFT.PrePrepare(view: v, sequence: n, digest: d, requests: batch, primary: p,
                               authenticator: try PBFT.Authenticator.decode(from: &r))
    }
}

extension PBFT.Checkpoint {
    var encodedSize: Int { 8 + 8 + 4 + authenticator.encodedSize }
    func encode(into w: inout WireWriter) {
        w.write(sequence); w.write(stateDigest); replica.encode(into: &w); authenticator.encode(into: &w)
    }
    static func decode(from r: inout WireReader) throws(WireError) -> PBFT.Checkpoint {
        PBFT.Checkpoint(sequence: try r.read(), stateDigest: try r.read(), replica: try NodeID.decode(from: &r),
                        authenticator: try PBFT.Authenticator.decode(from: &r))
    }
}

extension PBFT.Vote {
    var encodedSize: Int { 4 + authenticator.encodedSize }
    func encode(into w: inout WireWriter) { replica.encode(into: &w); authenticator.encode(into: &w) }
    static let minimumSize = 5
    static func decode(from r: inout WireReader) throws(WireError) -> PBFT.Vote {
        PBFT.Vote(replica: try NodeID.decode(from: &r), authenticator: try PBFT.Authenticator.decode(from: &r))
    }
}

extension Array where Element == PBFT.Vote {
    var encodedSize: Int { reduce(4) { $0 + $1.encodedSize } }
    func encode(into w: inout WireWriter) {
        w.write(UInt32(count))
        for v in self { v.encode(into: &w) }
    }
    static func decode(from r: inout WireReader) throws(WireError) -> [PBFT.Vote] {
        try PBFT.decodeList(from: &r, minimumElementSize: PBFT.Vote.minimumSize) { (r: inout WireReader) throws(WireError) in
            try PBFT.Vote.decode(from: &r)
        }
    }
}

extension PBFT.PreparedEntry {
    var encodedSize: Int { 8 + 8 + PBFT.Digest.encodedSize + PBFT.batchEncodedSize(requests) }
    static let minimumSize = 8 + 8 + 32 + 4
    func encode(into w: inout WireWriter) {
        w.write(view); w.write(sequence); digest.encode(into: &w)
        PBFT.encodeBatch(requests, into: &w)
    }
    static func decode(from r: inout WireReader) throws(WireError) -> PBFT.PreparedEntry {
        let view: UInt64 = try r.read()
        let sequence: UInt64 = try r.read()
        let digest = try PBFT.Digest.decode(from: &r)
        return PBFT.PreparedEntry(view: view, sequence: sequence, digest: digest, requests: try PBFT.decodeBatch(from: &r))
    }
}

extension PBFT.PrePreparedEntry {
    static let encodedSize = 8 + 32 + 8
    func encode(into w: inout WireWriter) { w.write(sequence); digest.encode(into: &w); w.write(view) }
    static func decode(from r: inout WireReader) throws(WireError) -> PBFT.PrePreparedEntry {
        let sequence: UInt64 = try r.read()
        let digest = try PBFT.Digest.decode(from: &r)
        return PBFT.PrePreparedEntry(sequence: sequence, digest: digest, view: try r.read())
    }
}

extension PBFT.CheckpointEntry {
    static let encodedSize = 8 + 8
    func encode(into w: inout WireWriter) { w.write(sequence); w.write(stateDigest) }
    static func decode(from r: inout WireReader) throws(WireError) -> PBFT.CheckpointEntry {
        let sequence: UInt64 = try r.read()
        return PBFT.CheckpointEntry(sequence: sequence, stateDigest: try r.read())
    }
}

/// u64 new view · u64 h · u64 digest at h · C: u32 count · (u64 n · u64 digest) · P: u32 count · entries ·
/// Q: u32 count · (u64 n · digest · u64 view) · replica · authenticator
extension PBFT.ViewChange: PBFT.DigestAuthenticated {
    var bodySize: Int {
        8 + 8 + 8 + 4 + checkpoints.count * PBFT.CheckpointEntry.encodedSize + prepared.reduce(4) { $0 + $1.encodedSize }
            + 4 + prePrepared.count * PBFT.PrePreparedEntry.encodedSize + 4
    }
    static let minimumSize = 8 + 8 + 8 + 4 + 4 + 4 + 4 + 1

    func encodeBody(into w: inout WireWriter) {
        w.write(newView); w.write(stableSequence); w.write(stableDigest)
        w.write(UInt32(checkpoints.count))
        for c in checkpoints { c.encode(into: &w) }
        w.write(UInt32(prepared.count))
        for p in prepared { p.encode(into: &w) }
        w.write(UInt32(prePrepared.count))
        for q in prePrepared { q.encode(into: &w) }
        replica.encode(into: &w)
    }
    static func decode(from r: inout WireReader) throws(WireError) -> PBFT.ViewChange {
        let newView: UInt64 = try r.read()
        let stable: UInt64 = try r.read()
        let digest: UInt64 = try r.read()
        let checkpoints = try PBFT.decodeList(from: &r, minimumElementSize: PBFT.CheckpointEntry.encodedSize) {
            (r: inout WireReader) throws(WireError) in try PBFT.CheckpointEntry.decode(from: &r)
        }
        let prepared = try PBFT.decodeList(from: &r, minimumElementSize: PBFT.PreparedEntry.minimumSize) {
            (r: inout WireReader) throws(WireError) in try PBFT.PreparedEntry.decode(from: &r)
        }
        let prePrepared = try PBFT.decodeList(from: &r, minimumElementSize: PBFT.PrePreparedEntry.encodedSize) {
            (r: inout WireReader) throws(WireError) in try PBFT.PrePreparedEntry.decode(from: &r)
        }
        let replica = try NodeID.decode(from: &r)
        return PBFT.ViewChange(newView: newView, stableSequence: stable, stableDigest: digest, checkpoints: checkpoints,
                               prepared: prepared, prePrepared: prePrepared, replica: replica,
                               authenticator: try PBFT.Authenticator.decode(from: &r))
    }

    /// What the signature covers: kind, sender, new view, stable sequence number and the digest of the body.
    var block: PBFT.AuthBlock {
        PBFT.AuthBlock(kind: PBFT.Message.Kind.viewChange, sender: replica, view: newView, sequence: stableSequence,
                       digest: bodyDigest)
    }
}

extension PBFT.NewView: PBFT.DigestAuthenticated {
    var bodySize: Int {
        8 + viewChanges.reduce(4) { $0 + $1.encodedSize }
            + prePrepares.reduce(4) { $0 + 8 + PBFT.Digest.encodedSize + $1.authenticator.encodedSize } + 4
    }
    static let minimumSize = 8 + 4 + 4 + 4 + 1

    func encodeBody(into w: inout WireWriter) {
        w.write(view)
        w.write(UInt32(viewChanges.count))
        for vc in viewChanges { vc.encode(into: &w) }
        w.write(UInt32(prePrepares.count))
        for a in prePrepares { w.write(a.sequence); a.digest.encode(into: &w); a.authenticator.encode(into: &w) }
        primary.encode(into: &w)
    }
    static func decode(from r: inout WireReader) throws(WireError) -> PBFT.NewView {
        let view: UInt64 = try r.read()
        let vcs = try PBFT.decodeList(from: &r, minimumElementSize: PBFT.ViewChange.minimumSize) {
            (r: inout WireReader) throws(WireError) in try PBFT.ViewChange.decode(from: &r)
        }
        let o = try PBFT.decodeList(from: &r, minimumElementSize: 8 + PBFT.Digest.encodedSize + 1) {
            (r: inout WireReader) throws(WireError) in
            PBFT.Assignment(sequence: try r.read(), digest: try PBFT.Digest.decode(from: &r),
                            authenticator: try PBFT.Authenticator.decode(from: &r))
        }
        let primary = try NodeID.decode(from: &r)
        return PBFT.NewView(view: view, viewChanges: vcs, prePrepares: o, primary: primary,
                            authenticator: try PBFT.Authenticator.decode(from: &r))
    }

    var block: PBFT.AuthBlock {
        PBFT.AuthBlock(kind: PBFT.Message.Kind.newView, sender: primary, view: view, sequence: 0,
                       digest: bodyDigest)
    }
}

extension PBFT.ForwardedRequest {
    var block: PBFT.AuthBlock {
        PBFT.AuthBlock(kind: PBFT.Message.Kind.forwardedRequest, sender: replica, view: 0, sequence: request.sequence,
                       digest: PBFT.contentDigest { request.encode(into: &$0) })
    }
}

extension PBFT.FetchReply: PBFT.DigestAuthenticated {
    var bodySize: Int {
        var size = 8 + 8 + 8 + 8 + stableProof.encodedSize + 4
        for e in entries { size += 8 + PBFT.batchEncodedSize(e.requests) }
        size += 1 + (newView?.encodedSize ?? 0)
        size += 1 + (state?.encodedSize ?? 0)
        return size + 4
    }

    func encodeBody(into w: inout WireWriter) {
        w.write(view); w.write(lastExecuted); w.write(stableSequence); w.write(stableDigest)
        stableProof.encode(into: &w)
        w.write(UInt32(entries.count))
        for e in entries { w.write(e.sequence); PBFT.encodeBatch(e.requests, into: &w) }
        if let nv = newView { w.write(UInt8(1)); nv.encode(into: &w) } else { w.write(UInt8(0)) }
        if let state { w.write(UInt8(1)); state.encode(into: &w) } else { w.write(UInt8(0)) }
        replica.encode(into: &w)
    }
    static func decode(from r: inout WireReader) throws(WireError) -> PBFT.FetchReply {
        let view: UInt64 = try r.read()
        let executed: UInt64 = try r.read()
        let stable: UInt64 = try r.read()
        let digest: UInt64 = try r.read()
        let proof = try [PBFT.Vote].decode(from: &r)
        let entries = try PBFT.decodeList(from: &r, minimumElementSize: 12) { (r: inout WireReader) throws(WireError) in
            PBFT.FetchEntry(sequence: try r.read(), requests: try PBFT.decodeBatch(from: &r))
        }
        let newView: PBFT.NewView? = try r.readBool() ? try PBFT.NewView.decode(from: &r) : nil
        let state: KVStateMachine? = try r.readBool() ? try KVStateMachine.decode(from: &r) : nil
        let replica = try NodeID.decode(from: &r)
        return PBFT.FetchReply(view: view, lastExecuted: executed, stableSequence: stable, stableDigest: digest, stableProof: proof,
                               entries: entries, newView: newView, state: state, replica: replica,
                               authenticator: try PBFT.Authenticator.decode(from: &r))
    }

    var block: PBFT.AuthBlock {
        PBFT.AuthBlock(kind: PBFT.Message.Kind.fetchReply, sender: replica, view: view, sequence: stableSequence,
                       digest: bodyDigest)
    }
}
