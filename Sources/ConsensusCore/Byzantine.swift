/// Hooks that let the shell's Byzantine fault injectors tamper with a protocol's messages while the
/// replica code itself stays honest (PBFT issue: faults are wrappers in the shell layer).
/// Crash-fault protocols take the defaults: they have nothing to equivocate about and no authenticator.
public protocol TamperableMessage: WireMessage {
    /// A copy whose authenticator or digest no longer verifies (the `corrupt` behaviour).
    func corrupted() -> Self
    /// A conflicting version of this message for the same view and sequence number, properly
    /// authenticated by its faulty sender with the keys `cluster.secret` gives it, or nil when this kind
    /// has none. The shell gives different `variant`s to different receivers (the `equivocate`
    /// behaviour). `earlier` is the last message this sender equivocated on before (nil at first): a
    /// leader uses the real client requests it carried in place of this one's.
    func equivocated(variant: UInt64, earlier: Self?, cluster: ClusterConfig) -> Self?
    /// This message with a client request invented or altered by its faulty sender (the `forge`
    /// behaviour: a leader or primary that orders what no client asked for), authenticated by the
    /// sender as an honest one would; nil when this kind carries no client request.
    func forged(cluster: ClusterConfig) -> Self?
    /// This message with an authenticator that verifies at some honest receivers and not at others
    /// (the `split-auth` behaviour: one MAC vector, the same for every receiver, whose entries for the
    /// receivers `isFailing` names are wrong); nil when this kind carries no MAC vector.
    func splitAuthenticated(failingAt isFailing: (Int32) -> Bool) -> Self?
    /// This message as a faulty replica answers a replica catching up (the `wrong-state` behaviour):
    /// the state or the committed commands it ships altered, the same way by every faulty replica, and
    /// authenticated to `receiver` as an honest answer would be; nil when this kind carries no state.
    func withWrongState(to receiver: Int32, cluster: ClusterConfig) -> Self?
    /// The slot a leader's proposal fills (PBFT: the PRE-PREPARE's sequence number), or nil for any
    /// other message: what an equivocator's memory tells its proposals apart by.
    var proposalSlot: UInt64? { get }
}

extension TamperableMessage {
    public func corrupted() -> Self { self }
    public func equivocated(variant: UInt64, earlier: Self?, cluster: ClusterConfig) -> Self? { nil }
    public func forged(cluster: ClusterConfig) -> Self? { nil }
    public func splitAuthenticated(failingAt isFailing: (Int32) -> Bool) -> Self? { nil }
    public func withWrongState(to receiver: Int32, cluster: ClusterConfig) -> Self? { nil }
    public var proposalSlot: UInt64? { nil }
}

/// What a Byzantine replica does to its outgoing messages, from some instant on.
public enum ByzantineBehavior: String, Sendable, CaseIterable, Codable {
    /// Drops everything it would send.
    case silent
    /// Sends conflicting messages to different receivers where the protocol has such a message.
    case equivocate
    /// Breaks the authenticator or digest of everything it sends.
    case corrupt
    /// Delays everything it sends (by the shell's configured extra delay).
    case slow
    /// Sends its messages as an honest replica would, but falsifies the result in every reply it
    /// gives a client: a read returns a value nobody wrote, a compare-and-swap the opposite outcome.
    /// (Last but two, so that the report files' numbering of the others stays.)
    case lie
    /// As leader or primary, orders client requests no client sent: it alters the command of a request
    /// it proposes and keeps the client's authenticator (an honest replica that checks it rejects the
    /// proposal).
    case forge
    /// Authenticates what it multicasts so that the MAC vector verifies at some honest receivers and
    /// not at others (needs `--auth mac`: a signature verifies everywhere or nowhere).
    case splitAuth = "split-auth"
    /// Answers state transfer with a wrong state: the checkpoint state and the committed commands it
    /// sends a replica that is catching up are altered (PBFT fetch replies; Multi-Paxos catch-up;
    /// a Raft leader's AppendEntries of already-committed entries).
    case wrongState = "wrong-state"
}

extension KVStateMachine {
    /// What a replica lying in state transfer ships in this state's place: the same digest, sessions
    /// and count, with every stored value replaced by one nobody wrote (and one such key where the
    /// store is empty). The digest hashes the history, not the content, so nothing in the state itself
    /// gives the lie away: only copies from other replicas do.
    public func falsified() -> KVStateMachine {
        var lie = self
        if lie.store.isEmpty { lie.store[Key(0)] = Value(tag: 0xBAD0_5747_E000_0000, size: 8) }
        for (key, value) in lie.store { lie.store[key] = Value(tag: ~value.tag, size: value.size) }
        return lie
    }
}

extension ClientRequest {
    /// What an equivocating leader orders in this request's place for some receivers: the same session
    /// and sequence number with another effect (a write of a value no client wrote, at the same key;
    /// a no-op stays a no-op), keeping the original's authenticator, which no faulty replica can remake.
    /// Replicas that execute it and replicas that execute the original diverge.
    @inlinable
    public func conflicting(variant: UInt64) -> ClientRequest {
        let forged = Value(tag: 0xBAD0_0000_0000_0000 | variant, size: 8)
        var other = self
        switch command {
        case .get(let key), .put(let key, _): other.command = .put(key, forged)
        case .cas(let key, let expected, _): other.command = .cas(key, expected: expected, new: forged)
        case .noop: break
        }
        return other
    }
}
