import ConsensusCore

/// What can happen at an instant of simulated time.
enum EventKind<Message> {
    /// A peer message reaches replica `to`.
    case deliver(to: Int32, from: Int32, Message)
    /// A client request reaches replica `to`.
    case deliverRequest(to: Int32, ClientRequest)
    /// A reply reaches its client.
    case deliverReply(ClientReply)
    /// A replica timer; stale unless `incarnation` and `generation` are still current.
    case timer(node: Int32, TimerID, incarnation: UInt32, generation: UInt32)
    /// A client's request timer or redirect back-off.
    case clientTimer(client: Int32, generation: UInt32, isBackoff: Bool)
    /// A client starts its first operation.
    case clientStart(client: Int32)
    /// The next open-loop arrival is due.
    case arrival
    /// The scheduled fault at this index of the options' fault list.
    case fault(Int)
}

/// An entry of the event queue, ordered by (time, sequence): ties go in the order they were
/// scheduled, so the run is the same on every machine. `slot` names the event's payload.
struct QueueEntry: Comparable {
    var time: Int64
    var sequence: UInt64
    var slot: Int32
    /// −1: `slot` is a payload slot. Otherwise the event has no payload of its own: it delivers the
    /// multicast in `slot` of the simulator's multicast table to replica `receiver`, or, when `slot`
    /// is −1, wakes replica `receiver`.
    var receiver: Int32 = -1

    static func < (a: Self, b: Self) -> Bool {
        a.time != b.time ? a.time < b.time : a.sequence < b.sequence
    }
    static func == (a: Self, b: Self) -> Bool { a.time == b.time && a.sequence == b.sequence }
}

/// An event taken off the queue.
struct ScheduledEvent<Message> {
    var time: Int64
    var kind: EventKind<Message>
}

/// An input waiting in a busy replica's inbox.
enum PendingInput<Message> {
    case peer(from: Int32, Message)
    /// A multicast still held in the simulator's multicast table (it carries its sender).
    case multicast(Int32)
    case request(ClientRequest)
}
