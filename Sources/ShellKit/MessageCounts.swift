import ConsensusCore

/// Messages and bytes that left one sender (or a whole simulated cluster) inside the measurement
/// window, by kind: the protocol's kinds, then `request` and `reply` (client traffic). Every shell
/// counts here, where messages leave, never the protocols (TigerBeetle's network counts the same way).
public struct MessageCounts: Sendable, Equatable {
    public var counts: [Int]
    public var bytes: [Int]
    /// Messages dropped by a replica because their authenticator did not verify, by kind.
    public var rejected: [Int]
    /// Every message sent over the whole run, window or not (the simulator's own speed figure).
    public var totalSent = 0

    public init(kindCount: Int) {
        counts = Array(repeating: 0, count: kindCount)
        bytes = counts
        rejected = counts
    }

    /// Counts for a protocol's kinds (`protocolKinds`, its message kinds' names) and the two client kinds.
    public init(protocolKinds: [String]) { self.init(kindCount: Self.kindNames(protocolKinds: protocolKinds).count) }

    /// The kinds a protocol's counts hold: its own, then the two client kinds.
    public static func kindNames(protocolKinds: [String]) -> [String] { protocolKinds + ["request", "reply"] }

    public var requestKind: Int { counts.count - 2 }
    public var replyKind: Int { counts.count - 1 }
    public var totalMessages: Int { counts.reduce(0, +) }
    public var totalBytes: Int { bytes.reduce(0, +) }

    /// One message of `kind`, `size` bytes on the wire, left at `t`: counted if `t` is inside `window`.
    @inlinable @inline(__always)
    public mutating func count(kind: Int, bytes size: Int, at t: Instant, window: RunWindow) {
        totalSent &+= 1
        if window.contains(t) {
            counts[kind] &+= 1
            bytes[kind] &+= size
        }
    }

    /// A replica dropped a message of `kind` whose authenticator did not verify.
    @inlinable public mutating func reject(kind: Int) { rejected[kind] &+= 1 }

    /// Adds another sender's counts (the tcp shells sum their replicas' and the generator's).
    public mutating func add(_ other: MessageCounts) {
        for k in counts.indices {
            counts[k] += other.counts[k]
            bytes[k] += other.bytes[k]
            rejected[k] += other.rejected[k]
        }
        totalSent += other.totalSent
    }
}

/// The measurement window in run time: counts and completions from `start` up to `end` (exclusive).
/// Simulated nanoseconds in the simulator, real nanoseconds since the run began in the tcp shells.
public struct RunWindow: Sendable, Equatable {
    public var start: Instant
    public var end: Instant
    public init(start: Instant, end: Instant) {
        self.start = start
        self.end = end
    }
    /// From `start` until closed.
    public static func open(from start: Instant) -> RunWindow { RunWindow(start: start, end: Instant(nanoseconds: .max)) }
    @inlinable @inline(__always) public func contains(_ t: Instant) -> Bool { t >= start && t < end }
}
