import ArgumentParser
import Harness
import Report

/// After a sweep (or for `plot DIR`): fit.csv, the SVG plots and index.html, from the CSV files alone.
enum SweepReport {
    /// The registered protocols' analytic message counts, for the messages plot.
    static var expectedCurves: [StandardPlots.ExpectedCurve] {
        ProtocolRegistry.expectedCurves.map { StandardPlots.ExpectedCurve(name: $0.name, dash: $0.dash, count: $0.count) }
    }

    static func finish(directory: String) throws -> String {
        do {
            return try ReportRenderer.render(from: directory, expected: expectedCurves).fitSummary
        } catch let error as ReportError {
            throw ExperimentError(error.description)
        } catch let error as CSVError {
            throw ExperimentError(error.description)
        }
    }
}

/// `consensus-bench plot DIR`: re-renders plots, fit.csv and index.html of a result folder.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Re-render the plots, fit.csv and index.html of a result folder from its CSV files.")

    @Argument(help: "A folder written by run or sweep.")
    var directory: String

    func run() throws {
        print(try SweepReport.finish(directory: directory))
        print("wrote \(directory)/index.html and its plots")
    }
}
