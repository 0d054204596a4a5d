import ConsensusCore

// MARK: - One line per message, in the paper's notation (OSDI'99 §4)

/// For scenario scripts and logs: `PRE-PREPARE v=0 n=1 d=3fa2 [c1#1 put k1=v1]`, the fields of
/// ⟨PRE-PREPARE, v, n, d⟩ with the piggybacked batch. Digests show their first four hex digits (enough
/// to tell batches apart in a scenario); authenticators are left out, and the sender is the shell's to
/// add (`0→1 …`). Messages outside the paper's list keep their role's name (relayed requests, fetches).
extension PBFT.Message: CustomStringConvertible {
    public var description: String {
        switch self {
        case .prePrepare(let m):
            return "PRE-PREPARE v=\(m.view) n=\(m.sequence) d=\(m.digest.short) \(PBFT.renderBatch(m.requests))"
        case .prepare(let m):
            return "PREPARE v=\(m.view) n=\(m.sequence) d=\(m.digest.short)"
        case .commit(let m):
            return "COMMIT v=\(m.view) n=\(m.sequence) d=\(m.digest.short)"
        case .checkpoint(let m):
            return "CHECKPOINT n=\(m.sequence) d=\(PBFT.Digest(m.stateDigest, 0, 0, 0).short)"
        case .viewChange(let m):
            let prepared = m.prepared.map { "n\($0.sequence)@v\($0.view)=\($0.digest.short)" }
            let prePrepared = m.prePrepared.map { "n\($0.sequence)@v\($0.view)=\($0.digest.short)" }
            let checkpoints = m.checkpoints.map { "\($0.sequence)" }
            return "VIEW-CHANGE v=\(m.newView) h=\(m.stableSequence) C=[\(checkpoints.joined(separator: " "))] "
                + "P=[\(prepared.joined(separator: " "))] Q=[\(prePrepared.joined(separator: " "))]"
        case .newView(let m):
            let senders = m.viewChanges.map { "\($0.replica.rawValue)" }
            let o = m.prePrepares.map { "n\($0.sequence)=\($0.digest.short)" }
            return "NEW-VIEW v=\(m.view) V=[\(senders.joined(separator: " "))] O=[\(o.joined(separator: " "))]"
        case .forwardedRequest(let m):
            return "REQUEST (relayed) \(m.request.notation)"
        case .fetch(let m):
            return "FETCH v=\(m.installedView) from=\(m.from)"
        case .fetchReply(let m):
            let entries = m.entries.map { "\($0.sequence)" }
            return "FETCH-REPLY v=\(m.view) executed=\(m.lastExecuted) stable=\(m.stableSequence) entries=[\(entries.joined(separator: " "))]"
                + (m.newView == nil ? "" : " +NEW-VIEW")
        }
    }
}

extension PBFT {
    /// `[c1#1 put k1=v1, c2#1 get k1]`; `[null]` for the null request (an empty batch, §4.4).
    static func renderBatch(_ requests: [ClientRequest]) -> String {
        requests.isEmpty ? "[null]" : "[" + requests.map(\.notation).joined(separator: ", ") + "]"
    }
}

