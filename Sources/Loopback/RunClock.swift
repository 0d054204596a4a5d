import ConsensusCore
import NIOCore

/// Real time as the replicas see it: nanoseconds since the run began, on the monotonic clock every event
/// loop shares. `Instant` is virtual in the simulator and this in the TCP shell.
public struct RunClock: Sendable {
    /// The monotonic clock's reading (`NIODeadline.uptimeNanoseconds`) at the run's time zero.
    public let base: UInt64

    public init(base: UInt64) { self.base = base }

    /// A clock whose time zero is now.
    public static func startingNow() -> RunClock { RunClock(base: NIODeadline.now().uptimeNanoseconds) }

    @inline(__always) public func now() -> Instant {
        Instant(nanoseconds: Int64(bitPattern: NIODeadline.now().uptimeNanoseconds &- base))
    }

    /// The monotonic reading of `instant`.
    @inline(__always) public func uptime(_ instant: Instant) -> UInt64 {
        base &+ UInt64(max(0, instant.nanoseconds))
    }

    public func deadline(_ instant: Instant) -> NIODeadline { .uptimeNanoseconds(uptime(instant)) }
}

/// The measurement window in run time: counts and completions from `start` up to `end` (exclusive).
public struct RunWindow: Sendable, Equatable {
    public var start: Instant
    public var end: Instant
    public init(start: Instant, end: Instant) {
        self.start = start
        self.end = end
    }
    @inline(__always) public func contains(_ t: Instant) -> Bool { t >= start && t < end }
}

/// Messages and bytes one sender (a replica, or the load generator) put on the wire inside the window,
/// by kind: the protocol's kinds, then `request` and `reply`, as the simulator's `MessageStats`.
public struct SendCounts: Sendable, Equatable {
    public var counts: [Int]
    public var bytes: [Int]
    /// Messages dropped because their authenticator did not verify, by kind (from `rejected` effects).
    public var rejected: [Int]
    /// Every message sent over the whole run, window or not.
    public var totalSent = 0

    public init(kindCount: Int) {
        counts = Array(repeating: 0, count: kindCount)
        bytes = counts
        rejected = counts
    }

    @inline(__always) mutating func count(kind: Int, bytes size: Int, at t: Instant, window: RunWindow) {
        totalSent &+= 1
        if window.contains(t) {
            counts[kind] &+= 1
            bytes[kind] &+= size
        }
    }

    public mutating func add(_ other: SendCounts) {
        for k in counts.indices {
            counts[k] += other.counts[k]
            bytes[k] += other.bytes[k]
            rejected[k] += other.rejected[k]
        }
        totalSent += other.totalSent
    }
}

/// One `applied` effect of an honest replica, for the safety checks after the run.
public struct AppliedRecord: Sendable {
    public var position: UInt64
    public var request: ClientRequest
    public var executed: Bool
}
