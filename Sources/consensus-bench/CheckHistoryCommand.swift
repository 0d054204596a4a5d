import ArgumentParser
import Checker
import Foundation
import Harness

/// `consensus-bench check-history FILE`: checks a JSON Lines history (ours, or any system's that writes
/// the same format) for linearizability against the key-value model. Exit 0: linearizable; 1: not;
/// 4: undecided (the search ran out of budget).
struct CheckHistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-history",
        abstract: "Check a history.jsonl file for linearizability.")

    @Argument(help: "A JSON Lines history file.")
    var file: String
    @Option(name: .customLong("max-steps"), help: "Search steps per key before the verdict for that key is undecided.")
    var maxSteps: Int = 50_000_000

    func run() throws {
        let operations: [History.Operation]
        do {
            operations = try History.read(contentsOf: file)
        } catch {
            throw ExperimentError(error.description)
        }
        let started = Date()
        var statistics = Linearizability.Statistics()
        let verdict = Linearizability.check(operations, budget: .init(searchStepsMax: maxSteps), statistics: &statistics)
        let wall = Date().timeIntervalSince(started)
        print("\(file): \(operations.count) operations on \(statistics.keys) keys checked in \(formatSeconds(wall)) s")
        print(verdict.description)
        switch verdict {
        case .linearizable: return
        case .notLinearizable: throw ExitCode(1)
        case .undecided: throw ExitCode(4)
        }
    }
}
