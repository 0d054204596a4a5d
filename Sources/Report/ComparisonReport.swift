// What `compare` found: per row and metric the change and its verdict, as text or JSON.

/// How one metric of one matched row fared.
public enum Verdict: String, Sendable, Equatable {
    case same
    case improved
    case withinTolerance = "within tolerance"
    case regressed = "REGRESSED"
    case modelChanged = "MODEL CHANGED"
    case missing = "MISSING"
    case unsafe = "UNSAFE"
    case informational = "changed"

    public var fails: Bool {
        switch self {
        case .regressed, .modelChanged, .missing, .unsafe: return true
        case .same, .improved, .withinTolerance, .informational: return false
        }
    }
}

public struct MetricChange: Sendable, Equatable {
    public var metric: String
    /// The values as written in the two files.
    public var base: String
    public var new: String
    /// (new − base) / |base|, when both are numbers.
    public var relativeChange: Double?
    public var verdict: Verdict
    /// The tolerance applied, when one was.
    public var tolerance: Double?
    /// Why it fails, for failures.
    public var explanation: String
}

/// One configuration found in both files.
public struct RowComparison: Sendable, Equatable {
    /// The configuration, e.g. "pbft sim nodes=4 faults=1 clients=8 seed=1".
    public var label: String
    public var changes: [MetricChange]
}

public struct ComparisonReport: Sendable, Equatable {
    public var rows: [RowComparison] = []
    /// Configurations in BASE with no match in NEW, and the reverse.
    public var onlyInBase: [String] = []
    public var onlyInNew: [String] = []
    /// Columns that only one side has.
    public var notes: [String] = []
    /// One line per problem, naming the row and the metric.
    public var failures: [String] = []
    /// NEW's values of the gated metrics, for `json()`.
    public var benchmarkEntries: [BenchmarkEntry] = []

    public var passed: Bool { failures.isEmpty }

    /// An aligned table: row, metric, base, new, change, verdict; then rows found on one side only,
    /// notes, and a last line `PASS …` or `FAIL …` followed by each failure.
    /// With `showUnchanged: false`, metrics whose verdict is `same` are left out.
    public func text(showUnchanged: Bool = true) -> String {
        var lines: [[String]] = [["configuration", "metric", "base", "new", "change", "verdict"]]
        for row in rows {
            var first = true
            for change in row.changes where showUnchanged || change.verdict != .same {
                var verdict = change.verdict.rawValue
                if let tolerance = change.tolerance, change.verdict == .regressed || change.verdict == .withinTolerance {
                    verdict += " (±\(formatPercent(tolerance, signed: false)))"
                }
                lines.append([first ? row.label : "", change.metric, change.base, change.new,
                              change.relativeChange.map { formatPercent($0) } ?? "", verdict])
                first = false
            }
        }
        var widths = Array(repeating: 0, count: 6)
        for line in lines {
            for (index, cell) in line.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        var text = ""
        for (lineIndex, line) in lines.enumerated() {
            if lineIndex > 0 && !line[0].isEmpty && lineIndex > 1 { text += "\n" }
            var cells: [String] = []
            for (index, cell) in line.enumerated() {
                let fill = String(repeating: " ", count: widths[index] - cell.count)
                // Numbers right-aligned, words left-aligned.
                cells.append((2...4).contains(index) && lineIndex > 0 ? fill + cell : cell + fill)
            }
            text += cells.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
        }
        if !onlyInBase.isEmpty {
            text += "\nonly in BASE (\(onlyInBase.count)):\n" + onlyInBase.map { "  \($0)\n" }.joined()
        }
        if !onlyInNew.isEmpty {
            text += "\nonly in NEW (\(onlyInNew.count)):\n" + onlyInNew.map { "  \($0)\n" }.joined()
        }
        if !notes.isEmpty {
            text += "\n" + notes.map { "note: \($0)\n" }.joined()
        }
        text += "\n"
        if passed {
            text += "PASS: \(rows.count) configuration\(rows.count == 1 ? "" : "s") compared, no regression\n"
        } else {
            text += "FAIL: \(failures.count) problem\(failures.count == 1 ? "" : "s")\n"
            text += failures.map { "  \($0)\n" }.joined()
        }
        return text
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
