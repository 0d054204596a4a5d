/// What a replica asks its shell to do after one input. The shell owns one outbox per run and reuses
/// it (`removeAll(keepingCapacity:)`), so a step allocates nothing once the buffer has grown.
public struct Outbox<Message> {
    public enum Effect {
        /// Send to one peer.
        case send(Message, to: NodeID)
        /// Send to every other replica (n − 1 messages on the wire, counted one by one).
        case broadcast(Message)
        /// Arm (or re-arm) a timer to fire `after` from now.
        case setTimer(TimerID, after: Interval)
        case cancelTimer(TimerID)
        /// Answer a client.
        case reply(ClientReply)
        /// The replica made its durable state durable (an fsync in a real system).
        case persist
        /// Observation for the safety checks, not a message: the replica applied `request` at
        /// `position` of its log (index, slot, sequence number). `executed` is false when the session
        /// table recognised a duplicate and did not execute it again; a no-op reports true.
        case applied(position: UInt64, request: ClientRequest, executed: Bool)
        /// Observation: this replica became leader / primary of `epoch` (term, ballot round, view).
        case becameLeader(epoch: UInt64)
        /// Observation: the replica dropped a message of kind `messageKind` because its MAC, signature
        /// or digest did not verify. The shell counts these as rejected.
        case rejected(messageKind: Int)
        /// Observation: the replica met what its safety argument rules out (a leader's entry that
        /// conflicts with one it knows committed) and dropped the input instead of trapping. Honest
        /// replicas meet it only when another replica lost what it had persisted (a power failure under
        /// `--sync none`); the simulator reports an agreement violation, the loopback node logs it (its
        /// journals lose nothing a sync covered, and it has no power failures).
        case unsafe(String)
    }

    public var effects: [Effect] = []
    /// Cryptographic work done in this step, for the shell's CPU cost model.
    public var cryptoWork = CryptoWork()

    public init() { effects.reserveCapacity(64) }

    @inlinable public mutating func send(_ message: Message, to peer: NodeID) { effects.append(.send(message, to: peer)) }
    @inlinable public mutating func broadcast(_ message: Message) { effects.append(.broadcast(message)) }
    @inlinable public mutating func setTimer(_ timer: TimerID, after: Interval) {
        assert(Int(timer.rawValue) < TimerID.limit, "timer id \(timer.rawValue) not below TimerID.limit \(TimerID.limit)")
        effects.append(.setTimer(timer, after: after))
    }
    @inlinable public mutating func cancelTimer(_ timer: TimerID) {
        assert(Int(timer.rawValue) < TimerID.limit, "timer id \(timer.rawValue) not below TimerID.limit \(TimerID.limit)")
        effects.append(.cancelTimer(timer))
    }
    @inlinable public mutating func reply(_ reply: ClientReply) { effects.append(.reply(reply)) }
    @inlinable public mutating func persist() { effects.append(.persist) }
    @inlinable public mutating func applied(position: UInt64, request: ClientRequest, executed: Bool) {
        effects.append(.applied(position: position, request: request, executed: executed))
    }
    @inlinable public mutating func becameLeader(epoch: UInt64) { effects.append(.becameLeader(epoch: epoch)) }
    /// Not on a hot path: only a run that is already unsafe builds the text.
    public mutating func unsafe(_ detail: String) { effects.append(.unsafe(detail)) }
    @inlinable public mutating func rejected(messageKind: Int) { effects.append(.rejected(messageKind: messageKind)) }

    /// Empties the outbox, keeping its storage for the next step.
    @inlinable public mutating func clear() {
        effects.removeAll(keepingCapacity: true)
        cryptoWork = CryptoWork()
    }
}

/// MACs, signatures and digests computed or checked in one step; the simulator charges CPU time for each.
public struct CryptoWork: Sendable, Equatable {
    public var macsComputed = 0
    public var macsVerified = 0
    public var signaturesMade = 0
    public var signaturesVerified = 0
    public var digestsComputed = 0
    public init() {}
    @inlinable public var isEmpty: Bool {
        macsComputed | macsVerified | signaturesMade | signaturesVerified | digestsComputed == 0
    }
}
