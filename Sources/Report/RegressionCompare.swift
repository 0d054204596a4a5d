// `consensus-bench compare BASE NEW`: match runs by configuration, judge each metric's change.

import Foundation

/// How strict a comparison is.
public struct CompareOptions: Sendable, Equatable {
    /// Allowed relative change in the bad direction for every gated metric (0.05 = 5 %).
    public var tolerance: Double
    /// Per-metric tolerances that replace `tolerance` for the named columns.
    public var tolerances: [String: Double]
    /// Judge deterministic metrics of simulated rows by tolerance instead of exact equality
    /// (the reviewer has accepted that the protocol's behaviour changed).
    public var allowModelChange: Bool
    /// Rows present on one side only are reported either way; with this they do not fail the comparison.
    public var allowUnmatchedRows: Bool
    /// Columns to leave out of both matching and judging.
    public var ignoredColumns: Set<String>

    public init(tolerance: Double = 0.05, tolerances: [String: Double] = [:], allowModelChange: Bool = false,
                allowUnmatchedRows: Bool = false, ignoredColumns: Set<String> = []) {
        self.tolerance = tolerance
        self.tolerances = tolerances
        self.allowModelChange = allowModelChange
        self.allowUnmatchedRows = allowUnmatchedRows
        self.ignoredColumns = ignoredColumns
    }

    /// The tolerance for `metric`.
    public func tolerance(for metric: String) -> Double {
        tolerances[metric] ?? tolerance
    }

    /// Parses a tolerance: "5%" is 0.05, "0.05" is 0.05. Nil for anything else or a negative value.
    public static func parseTolerance(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let value: Double?
        if trimmed.hasSuffix("%") {
            value = Double(trimmed.dropLast()).map { $0 / 100 }
        } else {
            value = Double(trimmed)
        }
        guard let value, value.isFinite, value >= 0 else { return nil }
        return value
    }

    /// Applies `--tolerance` arguments: "5%" sets the default, "latency_p99_us=10%" one metric.
    /// An unknown metric or a malformed value is a one-line error.
    public mutating func applyTolerances(_ specs: [String]) throws(ReportError) {
        for spec in specs {
            if let equals = spec.firstIndex(of: "=") {
                let metric = String(spec[..<equals])
                let valueText = String(spec[spec.index(after: equals)...])
                guard ComparedMetric.named(metric) != nil else {
                    throw ReportError("--tolerance \(spec): '\(metric)' is not a metric column (known: \(ComparedMetric.known.map(\.name).joined(separator: ", ")))")
                }
                guard let value = Self.parseTolerance(valueText) else {
                    throw ReportError("--tolerance \(spec): '\(valueText)' is not a tolerance like 5% or 0.05")
                }
                tolerances[metric] = value
            } else {
                guard let value = Self.parseTolerance(spec) else {
                    throw ReportError("--tolerance \(spec): not a tolerance like 5% or 0.05")
                }
                tolerance = value
            }
        }
    }
}

/// Compares two runs.csv tables (issue 8).
///
/// Rows are matched by their configuration columns: every column both tables have that is not a
/// metric (`ComparedMetric.known`, or `latency_*_us`) and not in `unmatchedColumns`. Repeated
/// configurations are paired in order of appearance. Then each metric is judged:
/// - on rows with `shell == sim`, the deterministic metrics (throughput, latency, messages/op,
///   bytes/op) must be equal, as the simulator is deterministic: any change is a model change
///   and fails, unless `allowModelChange`;
/// - otherwise a metric fails when it moves in its bad direction by more than its tolerance;
/// - informational metrics (leader_changes, ops, duration_s) are shown, never failing;
/// - `linearizable` = `false` or `violations` other than 0 on the new side fails (safety is never
///   a tolerance matter).
public enum RegressionCompare {
    /// Columns that neither identify a row nor are judged by tolerance: the sweep's `point` id
    /// (points may be renumbered), and the safety outcomes `linearizable` and `violations`
    /// (checked on their own: NEW must be safe).
    public static let unmatchedColumns: Set<String> = ["point", "linearizable", "violations"]

    public static func compare(base: CSVTable, new: CSVTable,
                               options: CompareOptions = CompareOptions()) -> ComparisonReport {
        var report = ComparisonReport()
        let skip = unmatchedColumns.union(options.ignoredColumns)
        let baseColumns = Set(base.header), newColumns = Set(new.header)
        let configuration = base.header.filter {
            newColumns.contains($0) && !skip.contains($0) && ComparedMetric.named($0) == nil
        }
        let metrics = base.header.filter { newColumns.contains($0) && !skip.contains($0) }
            .compactMap(ComparedMetric.named)
        for column in base.header where !newColumns.contains(column) && !skip.contains(column) {
            report.notes.append("column '\(column)' is only in BASE: not compared")
        }
        for column in new.header where !baseColumns.contains(column) && !skip.contains(column) {
            report.notes.append("column '\(column)' is only in NEW: not compared")
        }

        func key(_ table: CSVTable, _ row: [String]) -> [String] {
            configuration.map { row[table.columnIndex($0)!] }
        }
        func label(_ table: CSVTable, _ row: [String]) -> String {
            var parts: [String] = []
            for column in configuration {
                let value = row[table.columnIndex(column)!]
                parts.append(column == "protocol" || column == "shell" ? value : "\(column)=\(value)")
            }
            return parts.isEmpty ? "(all rows)" : parts.joined(separator: " ")
        }

        // Pair the k-th base row of a configuration with the k-th new row of it.
        var unmatchedNew: [[String]: [Int]] = [:]
        for (index, row) in new.rows.enumerated() { unmatchedNew[key(new, row), default: []].append(index) }
        var matchedNew = Set<Int>()
        for baseRow in base.rows {
            let rowKey = key(base, baseRow)
            guard var candidates = unmatchedNew[rowKey], !candidates.isEmpty else {
                report.onlyInBase.append(label(base, baseRow))
                continue
            }
            let newIndex = candidates.removeFirst()
            unmatchedNew[rowKey] = candidates
            matchedNew.insert(newIndex)
            let newRow = new.rows[newIndex]
            let rowLabel = label(base, baseRow)
            let simulated = base.columnIndex("shell").map { baseRow[$0] == "sim" } ?? false
            var changes: [MetricChange] = []
            for metric in metrics {
                let change = judge(metric, base: baseRow[base.columnIndex(metric.name)!],
                                   new: newRow[new.columnIndex(metric.name)!],
                                   simulated: simulated, options: options)
                changes.append(change)
                if change.verdict.fails {
                    report.failures.append("\(rowLabel): \(metric.name) \(change.base) → \(change.new)"
                        + "\(change.relativeChange.map { " (\(formatPercent($0)))" } ?? ""): \(change.explanation)")
                }
                if let entry = BenchmarkEntry(rowLabel: rowLabel, metric: metric, value: change.new,
                                              baseValue: change.base) {
                    report.benchmarkEntries.append(entry)
                }
            }
            for column in ["linearizable", "violations"] where !options.ignoredColumns.contains(column) {
                guard let baseIndex = base.columnIndex(column), let newIndex = new.columnIndex(column) else { continue }
                let change = judgeSafety(column, base: baseRow[baseIndex], new: newRow[newIndex])
                changes.append(change)
                if change.verdict.fails {
                    report.failures.append("\(rowLabel): \(column) \(change.base) → \(change.new): \(change.explanation)")
                }
            }
            report.rows.append(RowComparison(label: rowLabel, changes: changes))
        }
        for (index, row) in new.rows.enumerated() where !matchedNew.contains(index) {
            let rowLabel = label(new, row)
            report.onlyInNew.append(rowLabel)
            for metric in metrics {
                if let entry = BenchmarkEntry(rowLabel: rowLabel, metric: metric,
                                              value: row[new.columnIndex(metric.name)!], baseValue: nil) {
                    report.benchmarkEntries.append(entry)
                }
            }
        }
        if !options.allowUnmatchedRows {
            for rowLabel in report.onlyInBase { report.failures.append("\(rowLabel): only in BASE (missing from NEW)") }
            for rowLabel in report.onlyInNew { report.failures.append("\(rowLabel): only in NEW (not in BASE)") }
        }
        return report
    }

    /// Reads the runs.csv of `path`: a runs.csv file, or a result folder holding one.
    public static func loadRuns(_ path: String) throws -> CSVTable {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ReportError("\(path): no such file or folder")
        }
        if isDirectory.boolValue {
            let file = path.hasSuffix("/") ? path + "runs.csv" : path + "/runs.csv"
            guard FileManager.default.fileExists(atPath: file) else {
                throw ReportError("\(path): no runs.csv in this folder")
            }
            return try CSVTable.load(path: file)
        }
        return try CSVTable.load(path: path)
    }

    static func judge(_ metric: ComparedMetric, base: String, new: String, simulated: Bool,
                      options: CompareOptions) -> MetricChange {
        var change = MetricChange(metric: metric.name, base: base, new: new, relativeChange: nil,
                                  verdict: .same, tolerance: nil, explanation: "")
        guard let before = Double(base), before.isFinite else {
            change.verdict = base == new ? .same : .informational
            return change
        }
        guard let after = Double(new), after.isFinite else {
            change.verdict = .missing
            change.explanation = "the new value is not a number"
            return change
        }
        change.relativeChange = relative(before, after)
        if before == after { return change }
        if simulated && metric.deterministicInSimulation && !options.allowModelChange {
            change.verdict = .modelChanged
            change.explanation = "a simulated run is deterministic, so this is a change in the protocol's "
                + "behaviour (pass --allow-model-change if intended)"
            return change
        }
        guard metric.direction != .informational else {
            change.verdict = .informational
            return change
        }
        let tolerance = options.tolerance(for: metric.name)
        change.tolerance = tolerance
        let better = metric.direction == .biggerIsBetter ? after > before : after < before
        if better {
            change.verdict = .improved
        } else if abs(change.relativeChange ?? .infinity) > tolerance + 1e-12 {
            change.verdict = .regressed
            change.explanation = "worse by more than the \(formatPercent(tolerance, signed: false)) tolerance"
        } else {
            change.verdict = .withinTolerance
        }
        return change
    }

    /// NEW must be safe: `linearizable` not `false`, `violations` empty or 0.
    static func judgeSafety(_ column: String, base: String, new: String) -> MetricChange {
        let unsafe = column == "linearizable" ? new == "false" : !(new.isEmpty || new == "0")
        let verdict: Verdict = unsafe ? .unsafe : (base == new ? .same : .informational)
        let explanation = !unsafe ? ""
            : column == "linearizable" ? "the new history is not linearizable" : "the new run broke a safety invariant"
        return MetricChange(metric: column, base: base, new: new, relativeChange: nil, verdict: verdict,
                            tolerance: nil, explanation: explanation)
    }

    /// (after − before) / |before|; ±infinity from zero.
    static func relative(_ before: Double, _ after: Double) -> Double {
        if before == after { return 0 }
        if before == 0 { return after > 0 ? .infinity : -.infinity }
        return (after - before) / abs(before)
    }
}

/// "+12.3%", "-0.5%", "+inf%".
func formatPercent(_ fraction: Double, signed: Bool = true) -> String {
    if fraction.isInfinite { return fraction > 0 ? "+inf%" : "-inf%" }
    let text = formatDecimal(fraction * 100, places: 1)
    if text == "0.0" { return "0.0%" }
    return (signed && !text.hasPrefix("-") ? "+" : "") + text + "%"
}
