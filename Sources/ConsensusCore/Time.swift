/// A point in time, in nanoseconds since the run began. Virtual in the simulator, real in the TCP shell.
/// Protocols never read a clock: every input carries `now`.
public struct Instant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64
    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    public static let zero = Instant(nanoseconds: 0)
    @inlinable public static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }
    @inlinable public static func + (a: Instant, b: Interval) -> Instant { Instant(nanoseconds: a.nanoseconds &+ b.nanoseconds) }
    @inlinable public static func - (a: Instant, b: Instant) -> Interval { Interval(nanoseconds: a.nanoseconds &- b.nanoseconds) }
    @inlinable public var microseconds: Int64 { nanoseconds / 1_000 }
    public var description: String { Interval(nanoseconds: nanoseconds).description }
}

/// A span of time in nanoseconds. (Named `Interval` to stay clear of `Swift.Duration`.)
public struct Interval: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64
    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    public static let zero = Interval(nanoseconds: 0)
    @inlinable public static func nanoseconds(_ v: Int64) -> Interval { Interval(nanoseconds: v) }
    @inlinable public static func microseconds(_ v: Int64) -> Interval { Interval(nanoseconds: v * 1_000) }
    @inlinable public static func milliseconds(_ v: Int64) -> Interval { Interval(nanoseconds: v * 1_000_000) }
    @inlinable public static func seconds(_ v: Double) -> Interval { Interval(nanoseconds: Int64(v * 1e9)) }
    @inlinable public static func < (a: Interval, b: Interval) -> Bool { a.nanoseconds < b.nanoseconds }
    @inlinable public static func + (a: Interval, b: Interval) -> Interval { Interval(nanoseconds: a.nanoseconds &+ b.nanoseconds) }
    @inlinable public static func * (a: Interval, k: Int64) -> Interval { Interval(nanoseconds: a.nanoseconds &* k) }
    @inlinable public var seconds: Double { Double(nanoseconds) / 1e9 }
    @inlinable public var microseconds: Int64 { nanoseconds / 1_000 }

    public var description: String {
        if nanoseconds % 1_000_000_000 == 0 { return "\(nanoseconds / 1_000_000_000)s" }
        if nanoseconds % 1_000_000 == 0 { return "\(nanoseconds / 1_000_000)ms" }
        if nanoseconds % 1_000 == 0 { return "\(nanoseconds / 1_000)us" }
        return "\(nanoseconds)ns"
    }

    /// Parses `200us`, `5ms`, `2s`, `1.5s`, `750ns`, `3m`. A bare number is seconds.
    public init?(parsing text: String) {
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9)]
        var number = Substring(text)
        var scale = 1e9
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
        self.init(nanoseconds: Int64((value * scale).rounded()))
    }
}
