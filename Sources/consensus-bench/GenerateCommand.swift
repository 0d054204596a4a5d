import ArgumentParser
import Foundation
import Harness
import Loopback

/// `consensus-bench generate --id K --cluster FILE --report PATH`: one load generator of a run whose
/// load is split over hosts (`--hosts` with `generators:`). The parent starts it over ssh with the
/// cluster file it wrote; it writes its report (history, counts) to PATH and exits.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Run one load generator of a cluster file (started by --hosts runs with generators).",
        shouldDisplay: false)

    @Option(help: "Which of the file's generators this is (0...K-1).")
    var id: Int
    @Option(help: "The cluster file (JSON) the run's parent wrote.")
    var cluster: String
    @Option(help: "Where to write the report.")
    var report: String
    @Flag(name: .customLong("exit-with-parent"), help: "Exit when stdin closes.")
    var exitWithParent = false

    func run() throws {
        let node = try NodeLaunch.load(id: 0, clusterFile: cluster, bindHost: nil, exitWithParent: exitWithParent)
        let found = try runGenerator(GeneratorLaunch(id: id, node: node))
        do { try ReportFile.writeAtomically(GeneratorReportFile.encode(found), to: report) } catch {
            throw ExperimentError("cannot write the generator's report \(report): \(error)")
        }
    }
}
