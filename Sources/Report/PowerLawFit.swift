// The complexity fit: messages/op ≈ c·n^k by least squares on log-log data.

/// A power law y ≈ c·x^k fitted by ordinary least squares of ln y against ln x.
///
/// This is how a sweep turns into one number per protocol: DESIGN.md's expected counts are 2n
/// for Raft and 2n² − n + 1 for PBFT, so the fitted exponent k should land near 1 and 2.
/// `rSquared` is the coefficient of determination in log space (how straight the log-log line is).
public struct PowerLawFit: Sendable, Equatable {
    /// k, the exponent: the slope of the log-log line.
    public var exponent: Double
    /// c, the coefficient: e^intercept.
    public var coefficient: Double
    /// r² of the log-log regression, in [0, 1]; 1 when the data are a constant (nothing to explain).
    public var rSquared: Double
    /// How many (x, y) pairs went into the fit.
    public var points: Int

    public init(exponent: Double, coefficient: Double, rSquared: Double, points: Int) {
        self.exponent = exponent
        self.coefficient = coefficient
        self.rSquared = rSquared
        self.points = points
    }

    /// Why no fit could be made.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case lengthMismatch(x: Int, y: Int)
        /// A logarithm needs positive, finite values.
        case notPositive(x: Double, y: Double)
        /// A line needs at least two different x values.
        case tooFewDistinctX(Int)

        public var description: String {
            switch self {
            case let .lengthMismatch(x, y):
                return "power-law fit: \(x) x values but \(y) y values"
            case let .notPositive(x, y):
                return "power-law fit: point (\(x), \(y)) is not positive and finite, so it has no logarithm"
            case let .tooFewDistinctX(count):
                return "power-law fit: needs at least 2 distinct x values, got \(count)"
            }
        }
    }

    /// Fits y ≈ c·x^k. Repeated x values (several seeds at one n) are fine; at least two distinct
    /// x values are needed, and every value must be positive and finite.
    public static func fit(x: [Double], y: [Double]) throws(Failure) -> PowerLawFit {
        guard x.count == y.count else { throw .lengthMismatch(x: x.count, y: y.count) }
        for (xi, yi) in zip(x, y) where !(xi > 0 && yi > 0 && xi.isFinite && yi.isFinite) {
            throw .notPositive(x: xi, y: yi)
        }
        let distinct = Set(x).count
        guard distinct >= 2 else { throw .tooFewDistinctX(distinct) }

        let lx = x.map { logE($0) }
        let ly = y.map { logE($0) }
        let count = Double(x.count)
        let meanX = lx.reduce(0, +) / count
        let meanY = ly.reduce(0, +) / count
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for (u, v) in zip(lx, ly) {
            sxx += (u - meanX) * (u - meanX)
            sxy += (u - meanX) * (v - meanY)
            syy += (v - meanY) * (v - meanY)
        }
        let slope = sxy / sxx
        let intercept = meanY - slope * meanX
        var residual = 0.0
        for (u, v) in zip(lx, ly) {
            let e = v - (intercept + slope * u)
            residual += e * e
        }
        let r2: Double
        if syy == 0 {
            r2 = 1
        } else {
            r2 = min(1, max(0, 1 - residual / syy))
        }
        return PowerLawFit(exponent: slope, coefficient: expE(intercept), rSquared: r2, points: x.count)
    }

    /// c·x^k.
    public func evaluate(at x: Double) -> Double {
        coefficient * expE(exponent * logE(x))
    }
}
