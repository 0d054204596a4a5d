import ConsensusCore

/// What the clients do: how many, closed or open loop, which keys, how many reads, how big the values.
/// Every choice is drawn from a generator derived from the run's seed.
public struct WorkloadSpec: Sendable, Equatable {
    public enum KeyDistribution: Sendable, Equatable, CustomStringConvertible {
        case uniform
        /// Zipfian with exponent `s` (YCSB uses 0.99): a few hot keys take most of the traffic.
        case zipfian(Double)
        public var description: String {
            switch self {
            case .uniform: return "uniform"
            case .zipfian(let s): return "zipfian:\(s)"
            }
        }
        /// Parses `uniform`, `zipfian` (s = 0.99) or `zipfian:1.2`.
        public init?(parsing text: String) {
            if text == "uniform" { self = .uniform; return }
            if text == "zipfian" { self = .zipfian(0.99); return }
            if text.hasPrefix("zipfian:"), let s = Double(text.dropFirst(8)), s > 0, s.isFinite { self = .zipfian(s); return }
            return nil
        }
    }

    /// Concurrent client sessions. Closed loop: each has one operation outstanding. Open loop: the pool
    /// that scheduled operations are handed to (an operation waits for a free session, and its latency
    /// counts from its scheduled time, so queueing is not hidden: no coordinated omission).
    public var clients: Int = 16
    /// Open-loop arrival rate in operations per second (Poisson arrivals); nil = closed loop.
    public var ratePerSecond: Double? = nil
    public var keyCount: Int = 1000
    public var keyDistribution: KeyDistribution = .uniform
    /// Fraction of operations that are gets.
    public var readRatio: Double = 0.5
    /// Fraction of the writes that are compare-and-swap (the rest are puts).
    public var casRatio: Double = 0.0
    /// Bytes a value occupies on the wire (at least 8).
    public var valueSize: Int = 16
    /// How long a client waits for a reply before retrying the same request elsewhere.
    public var requestTimeout: Interval = .milliseconds(500)

    public init() {}
}
