// The github-action-benchmark "custom" JSON, so compare's NEW values can feed a dashboard.

/// One value for github-action-benchmark's custom tools: `{"name", "unit", "value", "extra"}`.
public struct BenchmarkEntry: Sendable, Equatable {
    /// "<configuration> <metric>", unique per value.
    public var name: String
    public var unit: String
    public var value: Double
    /// Which of the two custom tools the value belongs to.
    public var biggerIsBetter: Bool
    /// "base 1234.5 (-3.2%)" when the row was compared.
    public var extra: String?

    /// Nil for informational metrics and values that are not finite numbers.
    init?(rowLabel: String, metric: ComparedMetric, value: String, baseValue: String?) {
        guard metric.direction != .informational, let number = Double(value), number.isFinite else { return nil }
        name = "\(rowLabel) \(metric.name)"
        unit = metric.unit
        self.value = number
        biggerIsBetter = metric.direction == .biggerIsBetter
        if let baseValue, let before = Double(baseValue), before.isFinite {
            extra = "base \(baseValue) (\(formatPercent(RegressionCompare.relative(before, number))))"
        }
    }
}

extension ComparisonReport {
    /// The NEW side's gated metrics as github-action-benchmark wants them, in one object with the
    /// two tool names as keys:
    /// `{"customBiggerIsBetter": [{"name","unit","value","extra"}…], "customSmallerIsBetter": […]}`.
    /// The action reads one tool per file, so a workflow writes each array to its own file
    /// (`jq .customSmallerIsBetter`), or uses `json(biggerIsBetter:)`.
    public func json() -> String {
        "{\n\"customBiggerIsBetter\": " + json(biggerIsBetter: true)
            + ",\n\"customSmallerIsBetter\": " + json(biggerIsBetter: false) + "\n}\n"
    }

    /// One tool's array: throughput for `true`; latency, messages/op and bytes/op for `false`.
    public func json(biggerIsBetter: Bool) -> String {
        let entries = benchmarkEntries.filter { $0.biggerIsBetter == biggerIsBetter }
        guard !entries.isEmpty else { return "[]" }
        var text = "[\n"
        for (index, entry) in entries.enumerated() {
            text += "  {\"name\": \(jsonString(entry.name)), \"unit\": \(jsonString(entry.unit)), "
                + "\"value\": \(entry.value.description)"
            if let extra = entry.extra { text += ", \"extra\": \(jsonString(extra))" }
            text += "}" + (index + 1 < entries.count ? "," : "") + "\n"
        }
        return text + "]"
    }
}

/// A JSON string literal (RFC 8259 §7): quotes, backslashes and control characters escaped.
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}
