import ArgumentParser
import Foundation
import Harness
import Logging

/// The command-line tool. Errors are one line on stderr and a non-zero exit; help goes to stdout.
struct ConsensusBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consensus-bench",
        abstract: "Measure what Multi-Paxos, Raft and PBFT cost: throughput, latency, messages and bytes.",
        subcommands: [RunCommand.self, SweepCommand.self, CheckCommand.self, ValidateCommand.self, PlotCommand.self, CompareCommand.self, NodeCommand.self,
                      CheckHistoryCommand.self, CalibrateCommand.self, AgentCommand.self, GenerateCommand.self])

    /// Parses and runs; turns every error into one line on stderr.
    static func entry() {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["CONSENSUS_BENCH_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .notice
            return handler
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as ExperimentError {
            fail(error.description, code: 2)
        } catch let error as ExitCode {
            Foundation.exit(error.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help, --version: ArgumentParser's clean exits print their text.
                exit(withError: error)
            }
            let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            fail(message, code: code.rawValue)
        }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        var line = message
        if line.hasPrefix("Error: ") { line.removeFirst(7) }
        FileHandle.standardError.write(Data("consensus-bench: error: \(line)\n".utf8))
        Foundation.exit(code)
    }
}
