import ConsensusCore

/// What a Byzantine replica does to what it sends, written once for every shell. The replica's code
/// stays honest; its shell tampers at the send path, before counting (a tampered message costs what
/// it costs on the wire), as PBFT's fault model has it: faulty replicas are wrappers in the shell.
extension ByzantineBehavior {
    /// `message` as this faulty sender puts it on the wire to `receiver`: nil when it sends nothing,
    /// `delayed` when the shell holds it back by its `slowDelay`. Faulty replicas collude: an
    /// equivocator splits the honest receivers (odd ids get the conflicting variant) and gives a fellow
    /// faulty replica (`isFaulty`) the original, so that one can back either side; a split
    /// authenticator fails at the odd honest receivers. `memory` is this sender's, kept by the shell
    /// from one message to the next; `cluster` holds the secret its keys derive from.
    @inlinable
    public func tamper<M: TamperableMessage>(_ message: M, to receiver: Int32, isFaulty: (Int32) -> Bool,
                                             cluster: ClusterConfig,
                                             memory: inout EquivocationMemory<M>) -> (message: M, delayed: Bool)? {
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
            let earlier = memory.earlier(than: message)
            if receiver & 1 == 1, !isFaulty(receiver),
               let other = message.equivocated(variant: 1, earlier: earlier, cluster: cluster) { return (other, false) }
            return (message, false)
        case .forge:
            return (message.forged(cluster: cluster) ?? message, false)
        case .splitAuth:
            return (message.splitAuthenticated { $0 & 1 == 1 && !isFaulty($0) } ?? message, false)
        case .wrongState:
            return (message.withWrongState(to: receiver, cluster: cluster) ?? message, false)
        }
    }

    /// `reply` as this faulty replica sends it: a liar falsifies what it executed (a read's value
    /// becomes one nobody wrote, a compare-and-swap's outcome flips); redirects and no-ops stay.
    /// Every liar lies the same way, so f+1 colluding liars agree with each other.
    /// `reauthenticate` is the protocol's: the liar authenticates its lie with its own key.
    @inlinable
    public func tamper(_ reply: ClientReply, reauthenticate: (ClientReply) -> ClientReply) -> ClientReply {
        guard self == .lie, case .executed(let result) = reply.outcome else { return reply }
        var lied = reply
        switch result {
        case .value(let v): lied.outcome = .executed(.value(Value(tag: ~(v?.tag ?? 0), size: v?.size ?? 8)))
        case .swapped(let swapped, let previous): lied.outcome = .executed(.swapped(!swapped, previous: previous))
        case .none: return reply
        }
        return reauthenticate(lied)
    }

    /// A silent replica answers no client either.
    @inlinable public var dropsReplies: Bool { self == .silent }
    /// A slow replica's replies are late by the same delay as its messages.
    @inlinable public var delaysReplies: Bool { self == .slow }
}

/// What an equivocating sender remembers from one message to the next: its last proposal and the
/// one before it, told apart by `proposalSlot`, so that a leader can put the real client requests of
/// an earlier proposal in place of the current one's (the shell calls `tamper` once per receiver of a
/// message, so "the one before" must skip the current message's other copies).
public struct EquivocationMemory<M: TamperableMessage> {
    @usableFromInline var last: M?
    @usableFromInline var lastSlot: UInt64?
    @usableFromInline var previous: M?

    public init() {}

    /// The proposal sent before `message` (nil before the second one; `message` itself is not one
    /// when it has no slot, and then the memory stays as it was).
    @inlinable
    mutating func earlier(than message: M) -> M? {
        guard let slot = message.proposalSlot else { return nil }
        if slot != lastSlot {
            previous = last
            last = message
            lastSlot = slot
        }
        return previous
    }
}
