import Foundation
import Harness
import Report

/// Everything one sweep point adds to the result files, already formatted: the same bytes whether the
/// point ran here or on another host (`sweep --hosts`), where a worker prints it as one JSON line.
struct PointOutput: Codable {
    var point: Int
    var messages: String
    var latency: String
    var timeseries: String
    var runs: String
    var knee: String
    /// The point's entry in manifest.json, as JSON.
    var manifest: Data
    /// Why the point was unsafe, or nil.
    var unsafe: String?
    /// Which host ran it (nil: this one).
    var host: String?

    init(point: Int, result: RunResult, wallSeconds: Double, kneeRows: String, describe: String) {
        self.point = point
        let p = String(point)
        var text = ""
        for (i, kind) in result.messageKinds.enumerated() where result.messageCounts[i] > 0 {
            text += CSVWriter.line([p, kind, String(result.messageCounts[i]), String(result.messageBytes[i])])
        }
        messages = text
        text = ""
        for (percentile, micros) in result.latencyDistribution {
            text += CSVWriter.line([p, formatDecimal(percentile, places: 2), formatDecimal(micros, places: 1)])
        }
        latency = text
        text = ""
        for s in result.timeseries {
            text += CSVWriter.line([p, formatDecimal(s.start, places: 3), formatDecimal(s.width, places: 3), String(s.completedOps),
                                    formatDecimal(s.throughput, places: 1), formatDecimal(s.p99Micros, places: 1)])
        }
        timeseries = text
        runs = CSVWriter.line(ResultFiles.runRow(result, point: point))
        knee = kneeRows
        manifest = (try? JSONSerialization.data(withJSONObject: Manifest.entry(point: point, result: result, wallSeconds: wallSeconds),
                                                options: [.sortedKeys])) ?? Data("{}".utf8)
        unsafe = result.isSafe ? nil : "point \(point) (\(describe)): \(result.violations.first ?? "linearizable=\(result.linearizable)")"
    }

    /// The manifest entry as the dictionary manifest.json holds, with the host that ran it.
    var manifestEntry: [String: Any] {
        var entry = (try? JSONSerialization.jsonObject(with: manifest)) as? [String: Any] ?? ["point": point]
        if let host { entry["ran_on"] = host }
        return entry
    }
}

extension PointOutput {
    /// A worker's output for point `point`: one JSON line, whole.
    static func decode(_ data: Data, point: Int) throws -> PointOutput {
        guard data.last == UInt8(ascii: "\n") else { throw ExperimentError("the worker's output ends mid-line") }
        let output = try JSONDecoder().decode(PointOutput.self, from: data.dropLast())
        guard output.point == point else { throw ExperimentError("the worker answered point \(output.point) for point \(point)") }
        return output
    }
}
