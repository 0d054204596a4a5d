/// One record of a replica's journal: what reaches its disk at a `persist`.
///
/// A replica hands its shell the changes since its last persist, not its whole durable state, so that
/// persisting costs what the change costs (one vote, one entry, one slot) and never what the log costs.
/// The simulator keeps the records per replica and replays them at a restart; the real shells append
/// them, encoded and checksummed, to a journal file per replica (etcd's WAL works the same way).
public enum DurableRecord<State, Change> {
    /// The whole durable state. It heads the journal: whatever came before it is no longer needed.
    case snapshot(State)
    /// A change to the state that the records before it built.
    case change(Change)
}

extension DurableRecord: Sendable where State: Sendable, Change: Sendable {}

extension Replica {
    /// A record of this replica's journal.
    public typealias JournalRecord = DurableRecord<DurableState, DurableChange>

    /// Replays `record` onto what a disk holds (nil: nothing written yet). A change needs something to
    /// apply to: a replica's first record after a fresh start is a snapshot.
    public static func replay(_ record: JournalRecord, onto state: inout DurableState?) {
        switch record {
        case .snapshot(let whole):
            state = whole
        case .change(let change):
            precondition(state != nil, "\(protocolName): a journal's first record must be a snapshot")
            apply(change, to: &state!)
        }
    }

    /// Replays `records` in order.
    public static func replay(_ records: [JournalRecord], onto state: inout DurableState?) {
        for record in records { replay(record, onto: &state) }
    }
}
