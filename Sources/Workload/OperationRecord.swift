import ConsensusCore

/// One client operation as the history records it: what was asked, when, and what came back.
/// Fixed-size and allocation-free; the harness turns records into the checker's history lines.
public struct OperationRecord: Sendable {
    public enum Status: UInt8, Sendable {
        /// Completed and took effect (or, for a cas that did not swap, completed and definitely did not).
        case ok
        /// Definitely did not take effect (a cas whose expectation did not hold).
        case fail
        /// Still outstanding when the run ended: it may or may not have taken effect.
        case unknown
    }
    public var client: ClientID
    public var sequence: UInt64
    public var command: Command
    /// When the operation was due: the open-loop schedule time, else when it was sent.
    public var scheduled: Instant
    /// When the client first sent it.
    public var invoked: Instant
    public var completed: Instant?
    public var result: CommandResult?
    public var status: Status
    /// Times the client re-sent it after a timeout or redirect.
    public var retries: UInt32

    public init(client: ClientID, sequence: UInt64, command: Command, scheduled: Instant, invoked: Instant,
                completed: Instant?, result: CommandResult?, status: Status, retries: UInt32) {
        self.client = client
        self.sequence = sequence
        self.command = command
        self.scheduled = scheduled
        self.invoked = invoked
        self.completed = completed
        self.result = result
        self.status = status
        self.retries = retries
    }

    @inlinable public var latency: Interval? { completed.map { $0 - scheduled } }
}
