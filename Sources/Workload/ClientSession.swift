import ConsensusCore

/// One client session, as a pure state machine like the replicas: the shell feeds it replies and
/// timeouts and carries out what it returns. One request outstanding at a time; a retry re-sends the
/// same `(client, sequence)` so the replicas' session tables execute it at most once.
public struct ClientSession: Sendable {
    /// What the shell should do next for this client.
    public enum Action: Sendable, Equatable {
        case none
        /// Send the outstanding request to one replica (and arm the request timer).
        case send(to: NodeID)
        /// Send the outstanding request to every replica (PBFT's retry, §4.1; every HotStuff request).
        case sendToAll
        /// Wait `after`, then call `retryDue()` (a redirect without a leader hint: an election is under way).
        case retryLater(after: Interval)
        /// The operation completed with this result.
        case completed(CommandResult)
    }

    public let id: ClientID
    public let contract: ClientContract
    public let replicaCount: Int
    /// The replica this client believes leads (Raft/Multi-Paxos) or is primary (PBFT).
    public private(set) var target: NodeID
    public private(set) var nextSequence: UInt64 = 1
    public private(set) var outstanding: ClientRequest?
    /// Index of the outstanding operation's record in the shell's history.
    public var recordIndex = -1
    /// Bumped whenever the request timer is re-armed, so the shell can ignore stale firings.
    public var timerGeneration: UInt32 = 0
    public private(set) var retries: UInt32 = 0
    /// Distinct replicas' replies collected so far for the outstanding request (PBFT needs f+1 matching).
    private var replies: [(replica: NodeID, result: CommandResult)] = []

    /// How long to wait after a redirect that named no leader.
    public static let redirectBackoff = Interval.milliseconds(10)

    public init(id: ClientID, contract: ClientContract, replicaCount: Int) {
        self.id = id
        self.contract = contract
        self.replicaCount = replicaCount
        self.target = contract.initialTarget
        replies.reserveCapacity(contract.matchingRepliesNeeded)
    }

    /// Starts a new operation. Precondition: nothing outstanding.
    public mutating func begin(_ command: Command) -> (ClientRequest, Action) {
        precondition(outstanding == nil, "client \(id) already has request \(nextSequence - 1) outstanding")
        let request = ClientRequest(client: id, sequence: nextSequence, command: command)
        nextSequence += 1
        outstanding = request
        retries = 0
        replies.removeAll(keepingCapacity: true)
        return (request, contract.sendToAll ? .sendToAll : .send(to: target))
    }

    /// The outstanding request's authenticator, made by the protocol's client keys after `begin`.
    public mutating func attach(_ authenticator: Authenticator) {
        outstanding?.authenticator = authenticator
    }

    /// A reply arrived. Returns `.completed` once enough matching replies are in.
    public mutating func receive(_ reply: ClientReply) -> Action {
        guard let request = outstanding, reply.client == id, reply.sequence == request.sequence else { return .none }
        switch reply.outcome {
        case .redirect(let hint):
            retries += 1
            if let hint, hint != target, hint.index < replicaCount {
                target = hint
                return .send(to: target)
            }
            target = NodeID((target.index + 1) % replicaCount)
            return .retryLater(after: Self.redirectBackoff)
        case .executed(let result):
            if contract.matchingRepliesNeeded <= 1 {
                target = reply.replica
                return finish(result)
            }
            if replies.contains(where: { $0.replica == reply.replica }) { return .none }
            replies.append((reply.replica, result))
            var matching = 0
            for r in replies where r.result == result { matching += 1 }
            if matching >= contract.matchingRepliesNeeded { return finish(result) }
            return .none
        }
    }

    /// The request timer fired: retry at the next replica, or at all of them.
    public mutating func timedOut() -> Action {
        guard outstanding != nil else { return .none }
        retries += 1
        if contract.retryToAll { return .sendToAll }
        target = NodeID((target.index + 1) % replicaCount)
        return .send(to: target)
    }

    /// The back-off after a hintless redirect is over: send again to the current target.
    public mutating func retryDue() -> Action {
        guard outstanding != nil else { return .none }
        return .send(to: target)
    }

    /// Learns the new primary / leader (PBFT replies carry the view's primary as the replying replica is not it).
    public mutating func setTarget(_ node: NodeID) { target = node }

    private mutating func finish(_ result: CommandResult) -> Action {
        outstanding = nil
        replies.removeAll(keepingCapacity: true)
        return .completed(result)
    }
}
