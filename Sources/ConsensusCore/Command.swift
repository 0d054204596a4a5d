/// A key of the replicated KV store. Keys are numbered (`k0`, `k1`, …) so that commands stay
/// fixed-size values with no heap allocation on the hot path.
public struct Key: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    @inlinable public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    @inlinable public static func < (a: Key, b: Key) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "k\(rawValue)" }
}

/// A value of the KV store: a unique tag that names it, and the number of bytes it occupies on the wire.
/// The wire carries `size` real bytes (the 8-byte tag, then padding), so byte counts and bandwidth
/// are honest while the store and the checker compare tags only.
public struct Value: Hashable, Sendable, CustomStringConvertible {
    public var tag: UInt64
    public var size: UInt32
    @inlinable public init(tag: UInt64, size: UInt32) {
        self.tag = tag
        self.size = max(size, 8)
    }
    @inlinable public static func == (a: Value, b: Value) -> Bool { a.tag == b.tag }
    @inlinable public func hash(into h: inout Hasher) { h.combine(tag) }
    public var description: String { "v\(tag)" }
}

/// A client operation on the KV store.
public enum Command: Hashable, Sendable {
    case get(Key)
    case put(Key, Value)
    /// Compare-and-swap: writes `new` only if the key currently holds `expected` (nil: absent).
    case cas(Key, expected: Value?, new: Value)
    /// Fills a hole in the log (Multi-Paxos holes, PBFT null requests). Changes nothing.
    case noop

    @inlinable public var key: Key? {
        switch self {
        case .get(let k), .put(let k, _), .cas(let k, _, _): return k
        case .noop: return nil
        }
    }

    @inlinable public var isReadOnly: Bool {
        if case .get = self { return true }
        return false
    }
}

/// What applying a command returned.
public enum CommandResult: Hashable, Sendable {
    /// `get`: the value read (nil when absent). `put`: nil.
    case value(Value?)
    /// `cas`: whether the swap happened, and the value the key held before.
    case swapped(Bool, previous: Value?)
    /// `noop`.
    case none
}

/// A request as a client sends it: the session (`client`) and a per-session sequence number.
/// A retry carries the same `(client, sequence)`, so the session table executes it at most once.
///
/// A request is its content: equality and hashing ignore the authenticator, which is a proof about
/// the content (PBFT's clients attach one MAC per replica, or a signature; other protocols none).
public struct ClientRequest: Hashable, Sendable {
    public var client: ClientID
    public var sequence: UInt64
    public var command: Command
    /// The client's proof that it sent this request (PBFT §4.1 / TOCS §3.2), `.none` where the
    /// protocol does not authenticate clients.
    public var authenticator: Authenticator
    @inlinable public init(client: ClientID, sequence: UInt64, command: Command, authenticator: Authenticator = .none) {
        self.client = client
        self.sequence = sequence
        self.command = command
        self.authenticator = authenticator
    }
    @inlinable public static func == (a: ClientRequest, b: ClientRequest) -> Bool {
        a.client == b.client && a.sequence == b.sequence && a.command == b.command
    }
    @inlinable public func hash(into h: inout Hasher) {
        h.combine(client); h.combine(sequence); h.combine(command)
    }
}

/// A replica's answer to a client.
public struct ClientReply: Hashable, Sendable {
    public enum Outcome: Hashable, Sendable {
        /// The command was executed (now or earlier: the session table remembered it).
        case executed(CommandResult)
        /// This replica is not the leader / primary; try `hint` if given.
        case redirect(hint: NodeID?)
    }
    public var client: ClientID
    public var sequence: UInt64
    /// The replica that answered (PBFT clients count f+1 matching replies from distinct replicas).
    public var replica: NodeID
    public var outcome: Outcome
    /// The replica's proof for the client that it sent this reply (PBFT: a MAC under the pair's key, or
    /// a signature), so a faulty replica cannot answer in another's name. Ignored by equality.
    public var authenticator: Authenticator
    @inlinable public init(client: ClientID, sequence: UInt64, replica: NodeID, outcome: Outcome,
                           authenticator: Authenticator = .none) {
        self.client = client
        self.sequence = sequence
        self.replica = replica
        self.outcome = outcome
        self.authenticator = authenticator
    }
    @inlinable public static func == (a: ClientReply, b: ClientReply) -> Bool {
        a.client == b.client && a.sequence == b.sequence && a.replica == b.replica && a.outcome == b.outcome
    }
    @inlinable public func hash(into h: inout Hasher) {
        h.combine(client); h.combine(sequence); h.combine(replica); h.combine(outcome)
    }
}
