import ConsensusCore

/// The commands clients sent, by client and sequence number: what the validity check asks ("did a
/// client send exactly this request?"). The client driver records each operation as it begins; a
/// checker reading a history after the run rebuilds the same table from its records.
public struct SentRequests: Sendable {
    /// Per client: the command of sequence k at index k − 1.
    @usableFromInline var commands: [[Command]] = []
    /// Requests sent from outside the workload's sessions (a test's own), accepted as sent.
    @usableFromInline var external: Set<ClientRequest> = []

    public init() {}

    /// Client `client` began sequence `sequence` with `command`. Sequences begin at 1 and come in order;
    /// a repeated or skipped sequence is ignored (a retry re-sends the same request).
    @inlinable
    public mutating func record(client: ClientID, sequence: UInt64, command: Command) {
        let c = client.index
        if c >= commands.count { commands.append(contentsOf: repeatElement([], count: c - commands.count + 1)) }
        if Int(sequence) == commands[c].count + 1 { commands[c].append(command) }
    }

    /// A request a test sent directly, outside the workload.
    public mutating func recordExternal(_ request: ClientRequest) { external.insert(request) }

    /// True when a client sent exactly `request` (same client, sequence and command).
    @inlinable
    public func contains(_ request: ClientRequest) -> Bool {
        let c = request.client.index
        guard c < commands.count, request.sequence >= 1, request.sequence <= UInt64(commands[c].count) else {
            return external.contains(request)
        }
        return commands[c][Int(request.sequence - 1)] == request.command
    }
}

/// One `applied` effect of an honest replica, kept for the safety checks after a run (the tcp shells
/// feed them to a `SafetyMonitor` replica by replica; the simulator feeds it as effects happen).
public struct AppliedRecord: Sendable, Equatable {
    public var position: UInt64
    public var request: ClientRequest
    public var executed: Bool
    public init(position: UInt64, request: ClientRequest, executed: Bool) {
        self.position = position
        self.request = request
        self.executed = executed
    }
}
