import ConsensusCore

/// Messages and bytes that left nodes inside the measurement window, by kind. The simulator counts
/// here as messages leave, never the protocols. Kinds are the protocol's own, then `request` and `reply`
/// (client traffic).
public struct MessageStats: Sendable {
    public let kindNames: [String]
    public internal(set) var counts: [Int]
    public internal(set) var bytes: [Int]
    /// Messages dropped by a replica because their authenticator did not verify, by kind.
    public internal(set) var rejected: [Int]
    /// Every message sent over the whole run, window or not (for the simulator's own speed figure).
    public internal(set) var totalSent = 0

    public init(protocolKinds: [String]) {
        kindNames = protocolKinds + ["request", "reply"]
        counts = Array(repeating: 0, count: kindNames.count)
        bytes = counts
        rejected = counts
    }

    public var requestKind: Int { kindNames.count - 2 }
    public var replyKind: Int { kindNames.count - 1 }
    public var totalMessages: Int { counts.reduce(0, +) }
    public var totalBytes: Int { bytes.reduce(0, +) }

    public func count(of kind: String) -> Int {
        kindNames.firstIndex(of: kind).map { counts[$0] } ?? 0
    }
}
