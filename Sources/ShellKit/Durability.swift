import ConsensusCore

/// How a replica's persists reach stable storage, the same in every shell (`--sync`).
public enum SyncPolicy: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Write, never sync: the OS flushes when it likes (etcd's `--unsafe-no-fsync`). A process crash
    /// keeps every write; a power failure loses what the OS had not flushed yet.
    case none
    /// fdatasync before the messages that depend on a write leave, with group commit: one sync covers
    /// every record appended while the previous sync ran (as etcd's WAL does).
    case fsync

    public var description: String { rawValue }
}

/// What a crash takes with it (`--crash-kind`).
public enum CrashKind: String, Sendable, CaseIterable, CustomStringConvertible {
    /// The process dies; the OS keeps everything it was handed (the default).
    case process
    /// The machine loses power: writes not yet synced are lost.
    case power

    public var description: String { rawValue }
}

/// The durability settings of a run.
public struct Durability: Sendable, Equatable {
    public var sync = SyncPolicy.none
    public var crashKind = CrashKind.process
    /// How long one sync takes in the simulator: `calibrate`'s p50 for appending one journal record and
    /// fdatasyncing it on the project's machine (131–153 µs over three runs; its p99 was about 210 µs).
    public var syncLatency: Interval = .microseconds(140)
    /// How long the OS holds a write it was never asked to sync (Linux's `dirty_expire_centisecs`,
    /// 30 s): under `--sync none` a power failure loses the writes of the last 30 s.
    public var writeback: Interval = .seconds(30)

    public init() {}

    /// Whether dependent messages wait for a sync.
    @inlinable public var syncsBeforeSending: Bool { sync == .fsync }
}
