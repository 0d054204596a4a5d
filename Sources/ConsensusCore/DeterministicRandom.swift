/// The only source of randomness in the suite: xoshiro256** seeded through SplitMix64.
/// A shell owns one and hands each replica a generator derived from it, so the same seed
/// gives the same run (no global random source, no wall clock).
public struct DeterministicRandom: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var x = seed
        @inline(__always) func splitMix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(&x); s1 = splitMix(&x); s2 = splitMix(&x); s3 = splitMix(&x)
    }

    @inlinable public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// A new independent generator, for handing to a replica or a client.
    public mutating func derive() -> DeterministicRandom { DeterministicRandom(seed: next()) }

    /// A uniform value in `0 ..< bound` (bound > 0).
    @inlinable public mutating func below(_ bound: Int) -> Int { Int(next(upperBound: UInt64(bound))) }

    /// True with probability `p`.
    @inlinable public mutating func chance(_ p: Double) -> Bool {
        p > 0 && Double(next() >> 11) * 0x1.0p-53 < p
    }

    /// A uniform double in [0, 1).
    @inlinable public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A uniform interval in `[low, high]`.
    @inlinable public mutating func interval(_ low: Interval, _ high: Interval) -> Interval {
        if high.nanoseconds <= low.nanoseconds { return low }
        let span = UInt64(high.nanoseconds - low.nanoseconds) + 1
        return Interval(nanoseconds: low.nanoseconds + Int64(next(upperBound: span)))
    }
}
