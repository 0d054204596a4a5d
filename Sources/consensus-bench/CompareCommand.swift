import ArgumentParser
import Foundation
import Harness
import Report

/// `consensus-bench compare BASE NEW`: matches the rows of two result folders (or runs.csv files) by
/// their configuration and reports each metric's change; exits 1 when one regresses past its tolerance.
/// Simulated runs must match exactly on the deterministic metrics unless --allow-model-change.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two result folders or runs.csv files and fail on regressions.")

    @Argument(help: "The baseline: a result folder or a runs.csv file.")
    var base: String
    @Argument(help: "The candidate: a result folder or a runs.csv file.")
    var new: String
    @Option(parsing: .singleValue, help: "Tolerance for throughput and latency, e.g. 5% (default), or per metric: latency_p99_us=10% (repeatable).")
    var tolerance: [String] = []
    @Flag(name: .customLong("allow-model-change"), help: "Accept changed message counts and simulated figures (a protocol's behaviour changed on purpose).")
    var allowModelChange = false
    @Flag(name: .customLong("allow-missing-rows"), help: "Do not fail on rows present on only one side (they are still reported).")
    var allowMissingRows = false
    @Option(help: "text (a table) or json (github-action-benchmark customBiggerIsBetter / customSmallerIsBetter).")
    var format: String = "text"

    func run() throws {
        guard ["text", "json"].contains(format) else { throw ExperimentError("--format must be text or json (got '\(format)')") }
        var options = CompareOptions(allowModelChange: allowModelChange, allowUnmatchedRows: allowMissingRows)
        let report: ComparisonReport
        do {
            try options.applyTolerances(tolerance)
            let a = try RegressionCompare.loadRuns(base)
            let b = try RegressionCompare.loadRuns(new)
            report = RegressionCompare.compare(base: a, new: b, options: options)
        } catch let e as ReportError {
            throw ExperimentError(e.description)
        } catch let e as CSVError {
            throw ExperimentError(e.description)
        }
        if format == "json" {
            print(report.json())
        } else {
            print(report.text(showUnchanged: false))
        }
        if !report.passed {
            for f in report.failures { FileHandle.standardError.write(Data("regression: \(f)\n".utf8)) }
            throw ExitCode(1)
        }
    }
}
