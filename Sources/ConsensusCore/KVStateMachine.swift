/// The deterministic key-value state machine every protocol applies committed commands to,
/// in log order. It keeps a session table (the last sequence number and result per client),
/// so a request that is committed twice (a client retry that reached a new leader) executes once:
/// the second time the remembered result is returned instead (Raft paper §8).
public struct KVStateMachine: Sendable, Hashable {
    public internal(set) var store: [Key: Value] = [:]
    @usableFromInline var sessions: [ClientID: Session] = [:]
    /// Commands executed (not counting duplicates that the session table answered).
    public internal(set) var executedCount: Int = 0
    /// An order-sensitive 64-bit digest of every command executed so far: two replicas with the
    /// same digest executed the same sequence. PBFT checkpoints carry it.
    public internal(set) var digest: UInt64 = 0xCBF2_9CE4_8422_2325

    @usableFromInline struct Session: Sendable, Hashable {
        var sequence: UInt64
        var result: CommandResult
    }

    public init() {}

    /// Applies `request` unless its session already executed it; returns the result either way.
    /// A request older than the session's last one returns nil (the client has moved on; no reply needed).
    @discardableResult
    public mutating func apply(_ request: ClientRequest) -> CommandResult? {
        if case .noop = request.command { return CommandResult.none }
        if let session = sessions[request.client] {
            if request.sequence == session.sequence { return session.result }
            if request.sequence < session.sequence { return nil }
        }
        let result = execute(request.command)
        sessions[request.client] = Session(sequence: request.sequence, result: result)
        executedCount += 1
        mix(request.client.rawValue, request.sequence)
        return result
    }

    /// True when this session already executed `request` (a duplicate in the log).
    public func hasExecuted(_ request: ClientRequest) -> Bool {
        guard let s = sessions[request.client] else { return false }
        return request.sequence <= s.sequence
    }

    /// The remembered result of the session's latest request, if it is `sequence`.
    public func cachedResult(client: ClientID, sequence: UInt64) -> CommandResult? {
        guard let s = sessions[client], s.sequence == sequence else { return nil }
        return s.result
    }

    private mutating func execute(_ command: Command) -> CommandResult {
        switch command {
        case .get(let key):
            return .value(store[key])
        case .put(let key, let value):
            store[key] = value
            mix(key.rawValue, value.tag)
            return .value(nil)
        case .cas(let key, let expected, let new):
            let current = store[key]
            if current == expected {
                store[key] = new
                mix(key.rawValue, new.tag)
                return .swapped(true, previous: current)
            }
            return .swapped(false, previous: current)
        case .noop:
            return .none
        }
    }

    @inline(__always) private mutating func mix<A: FixedWidthInteger, B: FixedWidthInteger>(_ a: A, _ b: B) {
        digest = (digest ^ UInt64(truncatingIfNeeded: a)) &* 0x0000_0100_0000_01B3
        digest = (digest ^ UInt64(truncatingIfNeeded: b)) &* 0x0000_0100_0000_01B3
    }
}
