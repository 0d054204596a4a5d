// Chart axes: linear or log10 scales, their domains and their ticks.

/// How values map to positions along an axis.
public enum AxisScale: Sendable, Equatable {
    /// Equal distances for equal differences; ticks at 1-2-5 steps.
    case linear
    /// Equal distances for equal ratios; ticks at decades with 2 and 5 labelled where room allows.
    case log10
}

/// One axis of a chart: its label with unit, its scale, and optionally a fixed domain.
public struct Axis: Sendable, Equatable {
    /// What the axis measures, e.g. "cluster size n".
    public var label: String
    /// The unit shown after the label in parentheses, e.g. "µs"; nil for counts.
    public var unit: String?
    public var scale: AxisScale
    /// Linear scales only: stretch the domain to include 0, so bar-like magnitudes are honest.
    public var includesZero: Bool
    /// A fixed domain; nil means "fit the data".
    public var domain: ClosedRange<Double>?

    public init(label: String, unit: String? = nil, scale: AxisScale = .linear,
                includesZero: Bool = false, domain: ClosedRange<Double>? = nil) {
        self.label = label
        self.unit = unit
        self.scale = scale
        self.includesZero = includesZero
        self.domain = domain
    }

    /// "label (unit)".
    public var title: String {
        unit.map { "\(label) (\($0))" } ?? label
    }
}

/// A tick on an axis: its value and, when there is room, its text.
struct Tick: Equatable {
    var value: Double
    var label: String?
    /// Major ticks get a grid line; minor ones (log 2…9 without a label) a fainter one.
    var major: Bool
}

/// An axis resolved against data: the domain and the ticks, and the map from value to pixel.
struct ResolvedAxis {
    var scale: AxisScale
    var lower: Double
    var upper: Double
    var ticks: [Tick]

    /// The position of `value` between `start` (domain lower) and `end` (domain upper) pixels.
    func position(_ value: Double, from start: Double, to end: Double) -> Double {
        let t: Double
        switch scale {
        case .linear: t = (value - lower) / (upper - lower)
        case .log10: t = (log10Of(value) - log10Of(lower)) / (log10Of(upper) - log10Of(lower))
        }
        return start + t * (end - start)
    }

    /// Whether the value can be drawn on this axis at all (log axes refuse 0 and negatives).
    func canShow(_ value: Double) -> Bool {
        value.isFinite && (scale == .linear || value > 0)
    }

    /// Resolves `axis` for `values`; `length` is the axis length in pixels and `labelSpacing`
    /// gives the pixels one label needs (its width on x, its height on y).
    /// `tickSpacing` is the distance in pixels a linear axis aims to leave between ticks.
    static func resolve(_ axis: Axis, values: [Double], length: Double, tickSpacing: Double,
                        labelSpacing: (String) -> Double) -> ResolvedAxis {
        switch axis.scale {
        case .linear:
            return resolveLinear(axis, values: values.filter { $0.isFinite }, length: length,
                                 tickSpacing: tickSpacing, labelSpacing: labelSpacing)
        case .log10:
            return resolveLog(axis, values: values.filter { $0.isFinite && $0 > 0 }, length: length,
                              labelSpacing: labelSpacing)
        }
    }

    // MARK: linear

    private static func resolveLinear(_ axis: Axis, values: [Double], length: Double, tickSpacing: Double,
                                      labelSpacing: (String) -> Double) -> ResolvedAxis {
        var low = values.min() ?? 0
        var high = values.max() ?? 1
        if let domain = axis.domain { low = domain.lowerBound; high = domain.upperBound }
        if axis.includesZero { low = min(low, 0); high = max(high, 0) }
        // Whole-number data (cluster sizes, seconds, counts) never get fractional ticks.
        let integral = !values.isEmpty && values.allSatisfy { $0 == $0.rounded() }
        if low == high {
            let pad = integral ? 1 : (low == 0 ? 1 : abs(low) * 0.1)
            low -= pad
            high += pad
        }
        // Aim for a tick every `tickSpacing` px; never fewer than 2 intervals.
        let target = max(2, min(12, Int(length / tickSpacing)))
        var step = niceStep((high - low) / Double(target))
        if integral { step = max(step, 1) }
        var ticks: [Tick] = []
        // Shrink to a coarser step if labels would overlap.
        while true {
            if axis.domain == nil {
                low = (low / step).rounded(.down) * step
                high = (high / step).rounded(.up) * step
            }
            ticks = linearTicks(low: low, high: high, step: step)
            let pixelsPerTick = length * step / (high - low)
            let widest = ticks.map { labelSpacing($0.label ?? "") }.max() ?? 0
            if pixelsPerTick >= widest + 8 || ticks.count <= 2 { break }
            step = niceStep(step * 1.5)
        }
        return ResolvedAxis(scale: .linear, lower: low, upper: high, ticks: ticks)
    }

    private static func linearTicks(low: Double, high: Double, step: Double) -> [Tick] {
        let first = Int((low / step - 1e-9).rounded(.up))
        let last = Int((high / step + 1e-9).rounded(.down))
        guard first <= last else { return [] }
        let values = (first...last).map { Double($0) * step }
        let labels = linearLabels(values, step: step)
        return zip(values, labels).map { Tick(value: $0, label: $1, major: true) }
    }

    /// Labels with as many decimals as the step needs; thousands as "k" and millions as "M" once
    /// the numbers get long.
    static func linearLabels(_ values: [Double], step: Double) -> [String] {
        let largest = values.map { abs($0) }.max() ?? 0
        var divisor = 1.0
        var suffix = ""
        if largest >= 1e6 && step >= 1e5 {
            divisor = 1e6; suffix = "M"
        } else if largest >= 1e4 && step >= 1e2 {
            divisor = 1e3; suffix = "k"
        }
        let scaledStep = step / divisor
        let places = max(0, -decimalExponent(of: scaledStep))
        return values.map { value in
            let scaled = value / divisor
            return scaled == 0 ? "0" : formatDecimal(scaled, places: places) + suffix
        }
    }

    /// The 1-2-5 multiple of a power of ten nearest above `rough`.
    static func niceStep(_ rough: Double) -> Double {
        guard rough > 0, rough.isFinite else { return 1 }
        let exponent = decimalExponent(of: rough)
        let base = power(10, Double(exponent))
        for multiple in [1.0, 2.0, 5.0, 10.0] where multiple * base >= rough * (1 - 1e-12) {
            return multiple * base
        }
        return 10 * base
    }

    // MARK: log10

    private static func resolveLog(_ axis: Axis, values: [Double], length: Double,
                                   labelSpacing: (String) -> Double) -> ResolvedAxis {
        var low = values.min() ?? 1
        var high = values.max() ?? 10
        if let domain = axis.domain, domain.lowerBound > 0 {
            low = domain.lowerBound
            high = domain.upperBound
        } else {
            // Pad a little, then snap both ends outward to 1-2-5 values, which get labels.
            low = snapDown(low / 1.05)
            high = snapUp(high * 1.05)
        }
        if low >= high { high = low * 10 }
        if axis.domain == nil, let narrow = narrowLog(values: values, length: length, labelSpacing: labelSpacing) {
            return narrow
        }
        let lowDecade = decimalExponent(of: low)
        let highDecade = decimalExponent(of: high)
        var candidates: [(value: Double, multiple: Int)] = []
        for decade in lowDecade...highDecade {
            for multiple in 1...9 {
                let value = Double(multiple) * power(10, Double(decade))
                if value >= low * (1 - 1e-9) && value <= high * (1 + 1e-9) {
                    candidates.append((value, multiple))
                }
            }
        }
        let decades = log10Of(high) - log10Of(low)
        let pixelsPerDecade = length / max(decades, 1e-9)
        // Label decades first, then 5s and 2s, then (only when an axis spans little) the rest,
        // each only if it keeps clear of labels already placed.
        func priority(_ multiple: Int) -> Int {
            switch multiple {
            case 1: return 0
            case 5: return 1
            case 2: return 2
            default: return pixelsPerDecade >= 360 ? 3 : 99
            }
        }
        var placed: [(position: Double, halfSize: Double)] = []
        var labelled = Set<Int>()
        let order = candidates.indices.sorted { priority(candidates[$0].multiple) < priority(candidates[$1].multiple) }
        for index in order where priority(candidates[index].multiple) < 99 {
            let value = candidates[index].value
            let text = logLabel(value)
            let position = (log10Of(value) - log10Of(low)) * pixelsPerDecade
            let half = labelSpacing(text) / 2
            if placed.allSatisfy({ abs($0.position - position) >= $0.halfSize + half + 6 }) {
                placed.append((position, half))
                labelled.insert(index)
            }
        }
        let ticks = candidates.indices.map { index in
            Tick(value: candidates[index].value,
                 label: labelled.contains(index) ? logLabel(candidates[index].value) : nil,
                 major: candidates[index].multiple == 1 || labelled.contains(index))
        }
        return ResolvedAxis(scale: .log10, lower: low, upper: high, ticks: ticks)
    }

    /// Data spanning less than a factor of 4 would leave most of a 1-2-5-snapped log axis empty
    /// (820…880 µs on 500…1000). Such an axis keeps the log mapping but takes a linear 1-2-5
    /// domain and ticks around the data, where log and linear spacing barely differ.
    private static func narrowLog(values: [Double], length: Double,
                                  labelSpacing: (String) -> Double) -> ResolvedAxis? {
        guard let dataLow = values.min(), let dataHigh = values.max(), dataHigh / dataLow < 4 else { return nil }
        var target = max(2, min(8, Int(length / 80)))
        while true {
            let step = niceStep(max(dataHigh - dataLow, dataHigh * 0.05) / Double(target))
            let low = (dataLow / step).rounded(.down) * step
            let high = (dataHigh / step).rounded(.up) * step
            guard low > 0, high > low else { return nil }
            let ticks = linearTicks(low: low, high: high, step: step)
            let pixelsPerTick = length / Double(max(1, ticks.count - 1))
            let widest = ticks.map { labelSpacing($0.label ?? "") }.max() ?? 0
            if pixelsPerTick >= widest + 8 || target <= 2 {
                return ResolvedAxis(scale: .log10, lower: low, upper: high, ticks: ticks)
            }
            target -= 1
        }
    }

    /// The largest 1, 2 or 5 × 10^k not above `value`.
    static func snapDown(_ value: Double) -> Double {
        let base = power(10, Double(decimalExponent(of: value)))
        for multiple in [5.0, 2.0, 1.0] where multiple * base <= value * (1 + 1e-12) {
            return multiple * base
        }
        return base
    }

    /// The smallest 1, 2 or 5 × 10^k not below `value`.
    static func snapUp(_ value: Double) -> Double {
        let base = power(10, Double(decimalExponent(of: value)))
        for multiple in [1.0, 2.0, 5.0, 10.0] where multiple * base >= value * (1 - 1e-12) {
            return multiple * base
        }
        return 10 * base
    }

    /// "0.02", "5", "200", "10k", "2M".
    static func logLabel(_ value: Double) -> String {
        if value >= 1e6 { return trimmed(value / 1e6) + "M" }
        if value >= 1e4 { return trimmed(value / 1e3) + "k" }
        return trimmed(value)
    }

    /// A 1-2-5-style value without needless decimals: 20 → "20", 0.05 → "0.05".
    private static func trimmed(_ value: Double) -> String {
        let places = max(0, -decimalExponent(of: value))
        return formatDecimal(value, places: places)
    }
}
