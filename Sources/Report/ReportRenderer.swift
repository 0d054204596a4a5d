// A result folder's plots, fit.csv and index.html, made from its CSV files alone.

import Foundation

/// The files a render produces, by name, before (or without) writing them.
public struct RenderedReport: Sendable {
    /// File name → contents, in the order they are written.
    public var files: [(name: String, contents: String)]
    /// Charts that were not drawn and why ("latency_cdf.svg: no latency.csv").
    public var skipped: [String]
    /// The fits, and the summary a command prints (see `FitTable.summary`).
    public var fits: [FitRow]
    public var fitSummary: String

    public var fileNames: [String] { files.map(\.name) }

    public func contents(of name: String) -> String? {
        files.first { $0.name == name }?.contents
    }
}

/// Renders a run or sweep folder: `messages_per_op.svg`, `bytes_per_op.svg`, `throughput.svg`,
/// `latency.svg`, `capacity.svg` (when runs.csv has capacities: `--knee`), `latency_cdf.svg` (needs latency.csv), `timeseries.svg` (needs timeseries.csv),
/// `fit.csv` (always recomputed from runs.csv: it is derived data) and `index.html`.
public enum ReportRenderer {
    /// Renders from parsed tables, writing nothing. `title` heads index.html.
    /// `expected` are the messages plot's dashed curves.
    public static func render(runs: CSVTable, messages: CSVTable? = nil, latency: CSVTable? = nil,
                              timeseries: CSVTable? = nil, priceOfBFT: CSVTable? = nil,
                              expected: [StandardPlots.ExpectedCurve] = [],
                              title: String = "consensus-bench results") throws(ReportError) -> RenderedReport {
        var files: [(name: String, contents: String)] = []
        var skipped: [String] = []
        var charts: [(file: String, chart: Chart)] = [
            ("messages_per_op.svg", try StandardPlots.messagesPerOp(runs: runs, expected: expected)),
            ("bytes_per_op.svg", try StandardPlots.bytesPerOp(runs: runs)),
            ("throughput.svg", try StandardPlots.throughput(runs: runs)),
            ("latency.svg", try StandardPlots.latency(runs: runs)),
        ]
        if let capacity = try StandardPlots.capacity(runs: runs) { charts.append(("capacity.svg", capacity)) }
        if let latency {
            charts.append(("latency_cdf.svg", try StandardPlots.latencyCDF(runs: runs, latency: latency)))
        } else {
            skipped.append("latency_cdf.svg: no latency.csv")
        }
        if let timeseries {
            charts.append(("timeseries.svg", try StandardPlots.timeseries(runs: runs, timeseries: timeseries)))
        } else {
            skipped.append("timeseries.svg: no timeseries.csv")
        }
        for (file, chart) in charts {
            files.append((file, chart.svg()))
        }
        let fits = try FitTable.fits(runs: runs)
        let fitCSV = FitTable.csv(fits)
        files.append(("fit.csv", fitCSV))
        let page = IndexPage(title: title, charts: charts, fitSummary: FitTable.summary(fits),
                             fitTable: fitTable(fitCSV), runs: runs, messages: messages, priceOfBFT: priceOfBFT)
        files.append(("index.html", page.html()))
        return RenderedReport(files: files, skipped: skipped, fits: fits, fitSummary: FitTable.summary(fits))
    }

    /// Reads `runs.csv` (required) and `messages.csv`, `latency.csv`, `timeseries.csv` (when
    /// present) from `directory`, and writes the rendered files into it. Errors are one line
    /// (a missing runs.csv, a malformed CSV naming file and line, a missing column) and are
    /// always a `ReportError` or a `CSVError`.
    @discardableResult
    public static func render(from directory: String, expected: [StandardPlots.ExpectedCurve] = []) throws -> RenderedReport {
        func path(_ name: String) -> String {
            directory.hasSuffix("/") ? directory + name : directory + "/" + name
        }
        func optional(_ name: String) throws -> CSVTable? {
            FileManager.default.fileExists(atPath: path(name)) ? try CSVTable.load(path: path(name)) : nil
        }
        guard FileManager.default.fileExists(atPath: path("runs.csv")) else {
            throw ReportError("\(directory): no runs.csv here")
        }
        let runs = try CSVTable.load(path: path("runs.csv"))
        let folderName = directory.split(separator: "/").last.map(String.init) ?? directory
        let report = try render(runs: runs, messages: try optional("messages.csv"),
                                latency: try optional("latency.csv"),
                                timeseries: try optional("timeseries.csv"),
                                priceOfBFT: try optional("price_of_bft.csv"), expected: expected,
                                title: "consensus-bench results: \(folderName)")
        for file in report.files {
            do {
                try Data(file.contents.utf8).write(to: URL(fileURLWithPath: path(file.name)))
            } catch {
                throw ReportError("cannot write \(path(file.name))")
            }
        }
        return report
    }

    private static func fitTable(_ csv: String) -> CSVTable {
        // Our own output: it always parses.
        (try? CSVTable.parse(csv)) ?? CSVTable(header: FitTable.header)
    }
}
