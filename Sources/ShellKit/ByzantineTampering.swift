import ConsensusCore

/// What a Byzantine replica does to what it sends, written once for every shell. The replica's code
/// stays honest; its shell tampers at the send path, before counting (a tampered message costs what
/// it costs on the wire), as PBFT's fault model has it: faulty replicas are wrappers in the shell.
extension ByzantineBehavior {
    /// `message` as this faulty sender puts it on the wire to `receiver`: nil when it sends nothing,
    /// `delayed` when the shell holds it back by its `slowDelay`. Faulty replicas collude: an
    /// equivocator splits the honest receivers (odd ids get the conflicting variant) and gives a fellow
    /// faulty replica the original, so that one can back either side.
    @inlinable
    public func tamper<M: TamperableMessage>(_ message: M, to receiver: Int32, receiverIsFaulty: Bool) -> (message: M, delayed: Bool)? {
        switch self {
        case .silent:
            return nil
        case .slow:
            return (message, true)
        case .lie:
            return (message, false)
        case .corrupt:
            return (message.corrupted(), false)
        case .equivocate:
            if receiver & 1 == 1, !receiverIsFaulty, let other = message.equivocated(variant: 1) { return (other, false) }
            return (message, false)
        }
    }

    /// `reply` as this faulty replica sends it: a liar falsifies what it executed (a read's value
    /// becomes one nobody wrote, a compare-and-swap's outcome flips); redirects and no-ops stay.
    /// Every liar lies the same way, so f+1 colluding liars agree with each other.
    @inlinable
    public func tamper(_ reply: ClientReply) -> ClientReply {
        guard self == .lie, case .executed(let result) = reply.outcome else { return reply }
        var lied = reply
        switch result {
        case .value(let v): lied.outcome = .executed(.value(Value(tag: ~(v?.tag ?? 0), size: v?.size ?? 8)))
        case .swapped(let swapped, let previous): lied.outcome = .executed(.swapped(!swapped, previous: previous))
        case .none: break
        }
        return lied
    }

    /// A silent replica answers no client either.
    @inlinable public var dropsReplies: Bool { self == .silent }
    /// A slow replica's replies are late by the same delay as its messages.
    @inlinable public var delaysReplies: Bool { self == .slow }
}
