import ConsensusCore

// The hooks the shell's Byzantine injectors use (ConsensusCore.TamperableMessage). The replica code
// stays honest: a faulty replica is an honest replica whose outgoing messages the shell rewrites.

extension PBFT.Message {
    /// A copy whose authenticator (MACs or signature) no longer verifies. With `--auth none` there is
    /// nothing to break but the digest: a PRE-PREPARE whose digest does not match its batch is still
    /// caught; a PREPARE, COMMIT or CHECKPOINT with a flipped digest simply matches nothing.
    public func corrupted() -> PBFT.Message {
        switch self {
        case .prePrepare(var m) where m.authenticator.isNone:
            m.digest.w0 = ~m.digest.w0
            return .prePrepare(m)
        case .prepare(var m) where m.authenticator.isNone:
            m.digest.w0 = ~m.digest.w0
            return .prepare(m)
        case .commit(var m) where m.authenticator.isNone:
            m.digest.w0 = ~m.digest.w0
            return .commit(m)
        case .checkpoint(var m) where m.authenticator.isNone:
            m.stateDigest = ~m.stateDigest
            return .checkpoint(m)
        default:
            return replacingAuthenticator { $0.corrupted() } ?? self
        }
    }

    /// This message with `transform` applied to its authenticator, whatever its kind; nil when
    /// `transform` gives nil (it has nothing to do to that authenticator).
    func replacingAuthenticator(_ transform: (PBFT.Authenticator) -> PBFT.Authenticator?) -> PBFT.Message? {
        switch self {
        case .prePrepare(var m):
            guard let a = transform(m.authenticator) else { return nil }
            m.authenticator = a
            return .prePrepare(m)
        case .prepare(var m):
            guard let a = transform(m.authenticator) else { return nil }
            m.authenticator = a
            return .prepare(m)
        case .commit(var m):
            guard let a = transform(m.authenticator) else { return nil }
            m.authenticator = a
            return .commit(m)
        case .checkpoint(var m):
            guard let a = transform(m.authenticator) else { return nil }
            m.authenticator = a
            return .checkpoint(m)
        case .viewChange(var m):
            guard let a = transform(m.authenticator) else { return nil }
            m.authenticator = a
            return .viewChange(m)
        case .newView(var m):
            guard let a = transform(m.authenticator) else { return nil }
            m.authenticator = a
            return .newView(m)
        case .forwardedRequest(var m):
            guard let a = transform(m.authenticator) else { return nil }
            m.authenticator = a
            return .forwardedRequest(m)
        case .fetch(var m):
            guard let a = transform(m.authenticator) else { return nil }
            m.authenticator = a
            return .fetch(m)
        case .fetchReply(var m):
            guard let a = transform(m.authenticator) else { return nil }
            m.authenticator = a
            return .fetchReply(m)
        }
    }

    /// A conflicting message for the same (view, sequence number), authenticated with the faulty
    /// sender's own keys (derived from `cluster.secret`) so that no honest replica can reject it by its
    /// MAC or signature:
    /// - a primary's PRE-PREPARE orders the real client requests of its `earlier` proposal instead of
    ///   its batch (§4.2: the primary "sends different pre-prepares to different backups"); each
    ///   request keeps its client's authenticator, so every backup accepts it. Before the primary has
    ///   an earlier proposal, or when that one ordered the same batch, a numbered null request
    ///   (`PBFT.equivocationRequest(variant:)`) takes the batch's place;
    /// - a PREPARE or COMMIT names the digest of that null request instead of the real one;
    /// - a CHECKPOINT claims another state digest;
    /// - a VIEW-CHANGE hides P and Q (the faulty replica claims nothing prepared or pre-prepared there
    ///   above its checkpoint: what the 2f+1 commit quorum exists to survive, §4.5.1).
    /// Other kinds have nothing to equivocate about (nil).
    public func equivocated(variant: UInt64, earlier: PBFT.Message?, cluster: ClusterConfig) -> PBFT.Message? {
        let nullBatch = [PBFT.equivocationRequest(variant: variant)]
        var scratch = WireWriter(capacity: 64)
        let nullDigest = PBFT.digest(of: nullBatch, scratch: &scratch)
        let secret = cluster.secret
        switch self {
        case .prePrepare(var m):
            if case .prePrepare(let e)? = earlier, e.digest != m.digest,
               e.requests.contains(where: { $0.client != PBFT.nullClient }) {
                m.requests = e.requests
                m.digest = e.digest
            } else {
                m.requests = nullBatch
                m.digest = nullDigest
            }
            m.authenticator = PBFT.KeyDerivation.reauthenticate(like: m.authenticator, block: m.block, sender: m.primary, secret: secret)
            return .prePrepare(m)
        case .prepare(var m):
            m.digest = nullDigest
            m.authenticator = PBFT.KeyDerivation.reauthenticate(like: m.authenticator, block: m.block, sender: m.replica, secret: secret)
            return .prepare(m)
        case .commit(var m):
            m.digest = nullDigest
            m.authenticator = PBFT.KeyDerivation.reauthenticate(like: m.authenticator, block: m.block, sender: m.replica, secret: secret)
            return .commit(m)
        case .checkpoint(var m):
            m.stateDigest = m.stateDigest ^ (0x9E37_79B9_7F4A_7C15 &* (variant &+ 1))
            m.authenticator = PBFT.KeyDerivation.reauthenticate(like: m.authenticator, block: m.block, sender: m.replica, secret: secret)
            return .checkpoint(m)
        case .viewChange(var m):
            guard !m.prepared.isEmpty || !m.prePrepared.isEmpty else { return nil }
            m.prepared = []
            m.prePrepared = []
            m.authenticator = PBFT.KeyDerivation.reauthenticate(like: m.authenticator, block: m.block, sender: m.replica, secret: secret)
            return .viewChange(m)
        case .newView, .forwardedRequest, .fetch, .fetchReply:
            return nil
        }
    }

    /// A primary's PRE-PREPARE whose first client request orders another write than its client asked
    /// for (same session, sequence number and key; the client's authenticator kept, since the primary
    /// cannot make a new one), with a digest and an authenticator the primary makes properly. A backup
    /// that checks the client's MAC or signature rejects it; under `--auth none` nothing can.
    public func forged(cluster: ClusterConfig) -> PBFT.Message? {
        guard case .prePrepare(var m) = self,
              let k = m.requests.firstIndex(where: { $0.client != PBFT.nullClient }) else { return nil }
        m.requests[k] = m.requests[k].conflicting(variant: 0)
        var scratch = WireWriter(capacity: 256)
        m.digest = PBFT.digest(of: m.requests, scratch: &scratch)
        m.authenticator = PBFT.KeyDerivation.reauthenticate(like: m.authenticator, block: m.block, sender: m.primary,
                                                           secret: cluster.secret)
        return .prePrepare(m)
    }

    /// The message with its MAC vector broken at the receivers `isFailing` names and intact elsewhere
    /// (one vector for every receiver, as a real multicast sends). A proof built of it (a checkpoint
    /// proof in state transfer) verifies at some honest replicas and not at others: why VIEW-CHANGE
    /// carries claims instead of proofs, as in TOCS 2002 (README, "Byzantine faults in PBFT").
    public func splitAuthenticated(failingAt isFailing: (Int32) -> Bool) -> PBFT.Message? {
        // Only a MAC vector splits: VIEW-CHANGE and NEW-VIEW are signed, the point-to-point kinds
        // (forwarded requests, fetch replies) carry one MAC for their one receiver.
        replacingAuthenticator { authenticator in
            guard case .macs(var v) = authenticator else { return nil }
            for j in v.indices where isFailing(Int32(j)) { v[j] = PBFT.MAC(high: ~v[j].high, low: v[j].low) }
            return .macs(v)
        }
    }

    /// A FETCH-REPLY as a faulty replica sends it to a replica catching up: the checkpoint state it
    /// ships falsified (same digest, other values) and every batch it ships ordering other writes in
    /// its requests' places (their clients' authenticators kept), authenticated to the asker with the
    /// sender's own key. An honest asker installs a state only when f+1 replicas sent the same bytes,
    /// executes a batch only when f+1 sent the same one (or its execution leads to the digest 2f+1
    /// replicas certified), so one liar is outvoted; f+1 colluding liars are not.
    public func withWrongState(to receiver: Int32, cluster: ClusterConfig) -> PBFT.Message? {
        guard case .fetchReply(var m) = self, m.state != nil || !m.entries.isEmpty else { return nil }
        m.state = m.state?.falsified()
        for k in m.entries.indices {
            m.entries[k].requests = m.entries[k].requests.map { $0.conflicting(variant: 0) }
        }
        m.authenticator = PBFT.KeyDerivation.reauthenticate(like: m.authenticator, block: m.block, sender: m.replica,
                                                           secret: cluster.secret, receiver: NodeID(Int(receiver)))
        return .fetchReply(m)
    }

    /// A PRE-PREPARE's sequence number: what an equivocating primary's shell tells its proposals apart by.
    public var proposalSlot: UInt64? {
        if case .prePrepare(let m) = self { return m.sequence }
        return nil
    }
}
