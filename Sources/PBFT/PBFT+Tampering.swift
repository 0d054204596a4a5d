import ConsensusCore

// The hooks the shell's Byzantine injectors use (ConsensusCore.TamperableMessage). The replica code
// stays honest: a faulty replica is an honest replica whose outgoing messages the shell rewrites.

extension PBFT.Message {
    /// A copy whose authenticator (MACs or signature) no longer verifies. With `--auth none` there is
    /// nothing to break but the digest: a PRE-PREPARE whose digest does not match its batch is still
    /// caught; a PREPARE, COMMIT or CHECKPOINT with a flipped digest simply matches nothing.
    public func corrupted() -> PBFT.Message {
        switch self {
        case .prePrepare(var m):
            if case .none = m.authenticator { m.digest.w0 = ~m.digest.w0 } else { m.authenticator = m.authenticator.corrupted() }
            return .prePrepare(m)
        case .prepare(var m):
            if case .none = m.authenticator { m.digest.w0 = ~m.digest.w0 } else { m.authenticator = m.authenticator.corrupted() }
            return .prepare(m)
        case .commit(var m):
            if case .none = m.authenticator { m.digest.w0 = ~m.digest.w0 } else { m.authenticator = m.authenticator.corrupted() }
            return .commit(m)
        case .checkpoint(var m):
            if case .none = m.authenticator { m.stateDigest = ~m.stateDigest } else { m.authenticator = m.authenticator.corrupted() }
            return .checkpoint(m)
        case .viewChange(var m):
            m.authenticator = m.authenticator.corrupted()
            return .viewChange(m)
        case .newView(var m):
            m.authenticator = m.authenticator.corrupted()
            return .newView(m)
        case .forwardedRequest(var m):
            m.authenticator = m.authenticator.corrupted()
            return .forwardedRequest(m)
        case .fetch(var m):
            m.authenticator = m.authenticator.corrupted()
            return .fetch(m)
        case .fetchReply(var m):
            m.authenticator = m.authenticator.corrupted()
            return .fetchReply(m)
        }
    }

    /// A conflicting message for the same (view, sequence number), authenticated with the faulty
    /// sender's own keys so that no honest replica can reject it by its MAC or signature:
    /// - a primary's PRE-PREPARE orders `PBFT.equivocationRequest(variant:)` (a numbered null request)
    ///   instead of its batch (§4.2: the primary "sends different pre-prepares to different backups");
    /// - a PREPARE or COMMIT names the digest of that same request instead of the real one;
    /// - a CHECKPOINT claims another state digest;
    /// - a VIEW-CHANGE hides every prepared certificate (the faulty replica claims it prepared nothing
    ///   above its checkpoint: what the 2f+1 commit quorum exists to survive, §4.5.1).
    /// Other kinds have nothing to equivocate about (nil).
    public func equivocated(variant: UInt64) -> PBFT.Message? {
        let otherBatch = [PBFT.equivocationRequest(variant: variant)]
        var scratch = WireWriter(capacity: 64)
        let otherDigest = PBFT.digest(of: otherBatch, scratch: &scratch)
        switch self {
        case .prePrepare(var m):
            m.requests = otherBatch
            m.digest = otherDigest
            m.authenticator = PBFT.KeyDerivation.reauthenticate(like: m.authenticator, block: m.block, sender: m.primary)
            return .prePrepare(m)
        case .prepare(var m):
            m.digest = otherDigest
            m.authenticator = PBFT.KeyDerivation.reauthenticate(like: m.authenticator, block: m.block, sender: m.replica)
            return .prepare(m)
        case .commit(var m):
            m.digest = otherDigest
            m.authenticator = PBFT.KeyDerivation.reauthenticate(like: m.authenticator, block: m.block, sender: m.replica)
            return .commit(m)
        case .checkpoint(var m):
            m.stateDigest = m.stateDigest ^ (0x9E37_79B9_7F4A_7C15 &* (variant &+ 1))
            m.authenticator = PBFT.KeyDerivation.reauthenticate(like: m.authenticator, block: m.block, sender: m.replica)
            return .checkpoint(m)
        case .viewChange(var m):
            guard !m.prepared.isEmpty else { return nil }
            m.prepared = []
            m.authenticator = PBFT.KeyDerivation.reauthenticate(like: m.authenticator, block: m.block, sender: m.replica)
            return .viewChange(m)
        case .newView, .forwardedRequest, .fetch, .fetchReply:
            return nil
        }
    }
}
