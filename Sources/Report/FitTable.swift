// fit.csv and the printed fit summary: one power law per protocol and metric.

/// The per-operation costs a sweep fits against n.
public enum FitMetric: String, Sendable, CaseIterable {
    case messagesPerOp = "messages_per_op"
    case bytesPerOp = "bytes_per_op"
    /// Capacity at saturation (`--knee`); fitted only when runs.csv has it.
    case capacity = "capacity_ops_s"

    /// The name in the printed summary: "messages/op", "bytes/op".
    public var summaryName: String {
        switch self {
        case .messagesPerOp: return "messages/op"
        case .bytesPerOp: return "bytes/op"
        case .capacity: return "capacity"
        }
    }
}

/// One row of fit.csv: a protocol's metric fitted as c·n^k, or why it could not be.
public struct FitRow: Sendable, Equatable {
    public var protocolName: String
    public var metric: FitMetric
    /// Nil when there was nothing to fit (see `failure`).
    public var fit: PowerLawFit?
    /// Rows of runs.csv that went into the fit.
    public var points: Int
    public var failure: String?

    public init(protocolName: String, metric: FitMetric, fit: PowerLawFit?, points: Int, failure: String? = nil) {
        self.protocolName = protocolName
        self.metric = metric
        self.fit = fit
        self.points = points
        self.failure = failure
    }
}

/// Builds fit.csv from runs.csv: per protocol (in order of first appearance) and per metric, the
/// least-squares fit of log(metric) against log(nodes) over every row of that protocol.
///
/// Rows whose metric is missing, zero or not a number (a run that completed no operation) carry no
/// information about the cost and are left out; `points` says how many rows were used. A protocol
/// with fewer than two distinct sizes still gets its rows, with k, c and r2 empty.
public enum FitTable {
    public static let header = ["protocol", "metric", "k", "c", "r2", "points"]

    public static func fits(runs: CSVTable) throws(ReportError) -> [FitRow] {
        guard runs.hasColumn(RunColumn.nodes.name) else { throw ReportError("runs.csv has no 'nodes' column") }
        let sweep = try SweepRuns(runs)
        var protocols: [String] = []
        for row in sweep.rows where !protocols.contains(row.protocolName) {
            protocols.append(row.protocolName)
        }
        var result: [FitRow] = []
        for name in protocols {
            for metric in FitMetric.allCases {
                if metric == .capacity, !sweep.rows.contains(where: { (sweep.number($0, metric.rawValue) ?? 0) > 0 }) { continue }
                var x: [Double] = []
                var y: [Double] = []
                for row in sweep.rows where row.protocolName == name {
                    if let n = sweep.number(row, RunColumn.nodes.name), let value = sweep.number(row, metric.rawValue),
                       n > 0, value > 0 {
                        x.append(n)
                        y.append(value)
                    }
                }
                do {
                    let fit = try PowerLawFit.fit(x: x, y: y)
                    result.append(FitRow(protocolName: name, metric: metric, fit: fit, points: x.count))
                } catch {
                    result.append(FitRow(protocolName: name, metric: metric, fit: nil, points: x.count,
                                         failure: error.description))
                }
            }
        }
        return result
    }

    /// fit.csv: `protocol,metric,k,c,r2,points`; k with 3 decimals, c with 4, r2 with 4.
    public static func csv(_ rows: [FitRow]) -> String {
        var writer = CSVWriter(header: header)
        for row in rows {
            writer.append([
                row.protocolName, row.metric.rawValue,
                row.fit.map { formatDecimal($0.exponent, places: 3) } ?? "",
                row.fit.map { formatDecimal($0.coefficient, places: 4) } ?? "",
                row.fit.map { formatDecimal($0.rSquared, places: 4) } ?? "",
                String(row.points),
            ])
        }
        return writer.text
    }

    /// The printed summary, one line per row, e.g.
    /// `pbft        messages/op ≈ 2.0·n^2.00 (r² 1.000)`.
    public static func summary(_ rows: [FitRow]) -> String {
        let width = max(12, (rows.map(\.protocolName.count).max() ?? 0) + 2)
        let metricWidth = (FitMetric.allCases.map(\.summaryName.count).max() ?? 0) + 1
        var text = ""
        for row in rows {
            text += padded(row.protocolName, width) + padded(row.metric.summaryName, metricWidth)
            if let fit = row.fit {
                text += "≈ \(formatSignificant(fit.coefficient, digits: 2))·n^\(formatDecimal(fit.exponent, places: 2))"
                    + " (r² \(formatDecimal(fit.rSquared, places: 3)))\n"
            } else {
                text += "no fit: \(row.failure ?? "no data")\n"
            }
        }
        return text
    }
}

/// `text` followed by spaces up to `width` characters (at least one space).
func padded(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(1, width - text.count))
}
