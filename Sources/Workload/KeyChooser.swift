import ConsensusCore
import Foundation

/// Draws keys uniformly or from a Zipfian distribution (inverse CDF over a precomputed table).
public struct KeyChooser: Sendable {
    private let keyCount: Int
    /// Cumulative probabilities for Zipfian; empty for uniform.
    private let cumulative: [Double]

    public init(keyCount: Int, distribution: WorkloadSpec.KeyDistribution) {
        precondition(keyCount > 0, "key space must not be empty")
        self.keyCount = keyCount
        switch distribution {
        case .uniform:
            cumulative = []
        case .zipfian(let s):
            var weights = [Double](repeating: 0, count: keyCount)
            var total = 0.0
            for rank in 0 ..< keyCount {
                total += 1.0 / pow(Double(rank + 1), s)
                weights[rank] = total
            }
            for i in weights.indices { weights[i] /= total }
            cumulative = weights
        }
    }

    public func next(using random: inout DeterministicRandom) -> Key {
        if cumulative.isEmpty { return Key(UInt64(random.below(keyCount))) }
        let u = random.unit()
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] < u { lo = mid + 1 } else { hi = mid }
        }
        return Key(UInt64(lo))
    }
}

