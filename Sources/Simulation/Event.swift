import ConsensusCore

/// What can happen at an instant of simulated time, other than an input reaching a replica (those are
/// bare queue entries: see `QueueEntry.Kind`).
enum EventKind {
    /// A reply reaches its client.
    case deliverReply(ClientReply)
    /// A replica timer; stale unless `incarnation` and `generation` are still current.
    case timer(node: Int32, TimerID, incarnation: UInt32, generation: UInt32)
    /// A client's request timer or redirect back-off.
    case clientTimer(client: Int32, generation: UInt32)
    /// A client starts its first operation.
    case clientStart(client: Int32)
    /// The next open-loop arrival is due.
    case arrival
    /// The scheduled fault at this index of the options' fault list.
    case fault(Int)
    /// A message held for a sync (`--sync fsync`) leaves now, unless its sender crashed meanwhile
    /// (`to` −1: to every other replica). It waits in `slot` of the message table.
    case heldSend(slot: Int32, from: Int32, to: Int32, incarnation: UInt32)
    /// A reply held for a sync leaves now, unless its replica crashed meanwhile.
    case heldReply(ClientReply, node: Int32, incarnation: UInt32)
}

/// An entry of the event queue, ordered by (time, sequence): ties go in the order they were
/// scheduled, so the run is the same on every machine. Entries are small and trivially copyable, so
/// reordering the queue never copies or retains a message: what an entry refers to waits in one of
/// the simulator's slabs.
struct QueueEntry {
    enum Kind: UInt64 {
        /// `slot` is a slot of the event slab (`EventKind`).
        case event = 0
        /// The message in `slot` of the message table reaches replica `receiver`.
        case message = 1
        /// The client request in `slot` of the request slab reaches replica `receiver`.
        case request = 2
        /// Replica `receiver` is free again and takes the next input of its inbox.
        case wake = 3
    }

    var time: Int64
    /// The scheduling sequence in the high 56 bits, the kind in the low 8. Sequences are unique, so
    /// ordering by this word is ordering by sequence; packing keeps an entry at 24 bytes.
    private var order: UInt64
    var slot: Int32
    var receiver: Int32

    init(time: Int64, sequence: UInt64, kind: Kind, slot: Int32 = -1, receiver: Int32 = -1) {
        self.time = time
        self.order = sequence << 8 | kind.rawValue
        self.slot = slot
        self.receiver = receiver
    }

    var kind: Kind { Kind(rawValue: order & 0xFF)! }

    /// (time, sequence) as one 128-bit number: times are never negative, so comparing keys is comparing
    /// entries, in one compare-with-borrow instead of two data-dependent branches.
    @inline(__always) var key: UInt128 { UInt128(UInt64(bitPattern: time)) << 64 | UInt128(order) }

    @inline(__always) static func < (a: Self, b: Self) -> Bool { a.key < b.key }
}

/// An event taken off the queue.
struct ScheduledEvent {
    var time: Int64
    var kind: EventKind
}

/// An input waiting in a busy replica's inbox: a reference into the message table or the request
/// slab, never the input itself. At n = 100 a PBFT replica's inbox holds thousands of inputs; as
/// 136-byte values they were 7 MB of inboxes whose every read missed the cache (a fifth of a run).
enum PendingInput {
    case message(Int32)
    case request(Int32)
}
