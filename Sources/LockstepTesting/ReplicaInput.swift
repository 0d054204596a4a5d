// What a shell hands a replica, as values: the lock-step cluster queues them, the replica-step
// benchmarks record and replay them, and scenario scripts print them.

import ConsensusCore

/// One input of a replica, as a shell hands it over.
public enum ReplicaInput<Message> {
    case message(Message, from: NodeID)
    case clientRequest(ClientRequest)
    case timer(TimerID)
}

/// An input and the instant it was handed over.
public struct TimedInput<Message> {
    public var input: ReplicaInput<Message>
    public var now: Instant

    public init(input: ReplicaInput<Message>, now: Instant) {
        self.input = input
        self.now = now
    }
}

/// An input on its way to replica `to`: a message from a peer, a client's request, or a timer the
/// scenario queued behind everything else.
public struct Envelope<Message> {
    public var to: Int
    public var input: ReplicaInput<Message>

    public init(to: Int, input: ReplicaInput<Message>) {
        self.to = to
        self.input = input
    }

    /// The replica that sent it, for a message between replicas.
    public var sender: Int? {
        if case .message(_, let from) = input { return from.index }
        return nil
    }

    /// The message, for a message between replicas.
    public var message: Message? {
        if case .message(let m, _) = input { return m }
        return nil
    }
}

extension Replica {
    /// What a shell does with one input: the one switch the lock-step cluster and the benchmarks'
    /// measured twin both use.
    @inlinable
    public func handle(_ input: ReplicaInput<Message>, now: Instant, outbox: inout Outbox<Message>) {
        switch input {
        case .message(let m, let sender): receive(m, from: sender, now: now, outbox: &outbox)
        case .clientRequest(let request): clientRequest(request, now: now, outbox: &outbox)
        case .timer(let timer): timerFired(timer, now: now, outbox: &outbox)
        }
    }
}

extension Replica {
    /// One input handed to this replica alone, its invariants asserted after the step (as every shell
    /// does in debug builds): what the rule tests drive a single replica with.
    @discardableResult
    public func step(_ input: ReplicaInput<Message>, now: Instant) -> Outbox<Message> {
        var outbox = Outbox<Message>()
        handle(input, now: now, outbox: &outbox)
        checkInvariants()
        return outbox
    }
}

/// `v` milliseconds after the start of time: how the rule tests name instants.
public func ms(_ v: Int64) -> Instant { Instant(nanoseconds: v * 1_000_000) }

extension Replica {
    // What the rule tests hand a single replica, each at one second in unless they say otherwise
    // (after any timer that start-up set could matter, before any that a test fires).

    /// `message` from replica `from`.
    @discardableResult
    public func deliver(_ message: Message, from: Int, at now: Instant = ms(1000)) -> Outbox<Message> {
        step(.message(message, from: NodeID(from)), now: now)
    }

    /// `timer` fires.
    @discardableResult
    public func fire(_ timer: TimerID, at now: Instant = ms(1000)) -> Outbox<Message> { step(.timer(timer), now: now) }

    /// A client's request arrives.
    @discardableResult
    public func request(_ request: ClientRequest, at now: Instant = ms(1000)) -> Outbox<Message> {
        step(.clientRequest(request), now: now)
    }
}
