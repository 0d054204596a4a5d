import ConsensusCore
import DequeModule
import ShellKit

/// One replica's disk in the simulator. `persist` is the only way state reaches it: the simulator hands
/// it the records the replica's persist wrote, and a crash gives back what they replay to, never the
/// replica's later memory.
///
/// Under a process crash every written record survives. Under a power failure only the records whose
/// sync had completed survive: each record waits in `unsynced` with the instant its sync ends, and is
/// folded into `kept` once that instant has passed.
struct SimulatedDisk<R: Replica> {
    /// What the records synced so far replay to (nil: nothing written yet).
    private(set) var kept: R.DurableState?
    /// Written, not yet known synced: (the instant its sync ends, the record), oldest first.
    private var unsynced: Deque<(syncedAt: Int64, record: R.JournalRecord)> = []

    /// Writes one record at `now`; it is synced at `syncedAt`. A disk that only process crashes can
    /// hit keeps it at once.
    mutating func write(_ record: R.JournalRecord, syncedAt: Int64, now: Int64, crashKind: CrashKind) {
        if crashKind == .process {
            R.replay(record, onto: &kept)
            return
        }
        fold(through: now)
        unsynced.append((syncedAt, record))
    }

    /// A crash of `kind` at `now`: the disk is left holding (in `kept`) exactly what survives it.
    mutating func crash(_ kind: CrashKind, at now: Int64) {
        fold(through: kind == .process ? Int64.max : now)
        unsynced.removeAll()
    }

    /// Keeps every record whose sync ended by `now`. Syncs end in write order (group commit), so the
    /// synced records are a prefix.
    private mutating func fold(through now: Int64) {
        while let first = unsynced.first, first.syncedAt <= now {
            R.replay(first.record, onto: &kept)
            unsynced.removeFirst()
        }
    }
}

/// When one replica's syncs run, with group commit: a record written while the disk is idle starts a
/// sync at once; one written while a sync runs waits for the next sync, which starts when the running
/// one ends and covers every record written meanwhile.
struct SyncTimeline {
    /// When the latest scheduled sync starts and ends.
    private var latestStart = Int64.min
    private var latestEnd = Int64.min
    /// Syncs started, and records they covered (the run's `syncs` and `records_per_sync`).
    private(set) var syncs = 0
    private(set) var records = 0

    /// The instant the sync covering `count` records written at `now` ends.
    mutating func sync(_ count: Int, writtenAt now: Int64, latency: Int64) -> Int64 {
        records += count
        if now >= latestEnd {
            latestStart = now
        } else if now >= latestStart {
            latestStart = latestEnd  // the running sync started before this write: it joins the next one
        } else {
            return latestEnd  // the next sync has not started yet: it covers these records too
        }
        latestEnd = latestStart + latency
        syncs += 1
        return latestEnd
    }
}
