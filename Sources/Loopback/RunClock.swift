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
