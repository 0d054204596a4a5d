import ConsensusCore

/// What a shell does for the client driver: how time passes and how a client's bytes move. The
/// simulator schedules events in virtual time; the load generator writes frames on real sockets and
/// arms real timers. Everything else a client does (retry, redirect, f+1 matching, open and closed
/// loop, the history, the window) is the driver's, written once.
public protocol ClientTransport: AnyObject {
    /// The shell's clock (virtual or real run time).
    var now: Instant { get }
    /// `request` leaves for `replica`: count it as the shell counts every message, then carry it.
    func sendRequest(_ request: ClientRequest, to replica: Int32)
    /// Fire `clientTimerDue(client:generation:)` after `after`. A shell may replace the client's earlier
    /// arming (the load generator's timers re-arm in place and pass generation nil) or let it fire
    /// stale (the simulator's events), passing the arming's generation so the driver ignores it.
    func armClientTimer(_ client: Int32, after: Interval, generation: UInt32)
    /// The client's pending timer will not be needed (its operation completed).
    func cancelClientTimer(_ client: Int32)
    /// A uniform draw in [0, 1) for the next open-loop gap, from the shell's seeded generator.
    func arrivalDraw() -> Double
    /// Call `arrivalsDue` at `at`.
    func scheduleArrival(at: Instant)
    /// The operation that completed the run's count closed the window at `end` (exclusive).
    func windowClosed(at end: Instant)
}
