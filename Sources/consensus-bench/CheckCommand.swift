import ArgumentParser
import Foundation
import Harness
import ConsensusCore
import ShellKit

/// `consensus-bench check --protocol P --seeds 1-1000`: the seeded fault search. Each seed prints one
/// line; a failing seed prints the command that replays it, and the check exits 1. A seed whose
/// history the linearizability checker could not decide is neither: it is counted apart, and the
/// check exits 4 unless `--allow-undecided` (when nothing failed).
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Search seeded fault schedules for safety and liveness violations (VOPR style).")

    @Option(name: .customLong("protocol"), help: "\(ProtocolRegistry.names.joined(separator: ", ")).")
    var protocolName: String = "raft"
    @Option(help: "Seeds to run: 1-1000, or 5,17,42.")
    var seeds: String = "1-100"
    @Option(help: "Fix the cluster size (default: each seed picks f = 1 or 2).")
    var nodes: Int?
    @Option(help: "Seeds run in parallel (default: the number of cores).")
    var jobs: Int?
    @OptionGroup var durabilityOptions: DurabilityOptions
    @Option(help: ArgumentHelp("A cost profile from `calibrate --save FILE` (default: the project machine's).", valueName: "file"))
    var profile: String?
    @Flag(help: "Print only failures and the final tally.")
    var quiet = false
    @Flag(help: "Exit 0 when seeds are undecided but none failed (default: exit 4).")
    var allowUndecided = false

    func run() throws {
        let entry = try ProtocolRegistry.entry(named: protocolName)
        let list = try parseIntegerList(seeds, flag: "--seeds").map { UInt64($0) }
        if let n = nodes {
            guard n >= 1 else { throw ExperimentError("--nodes must be at least 1 (got \(n))") }
            if let problem = entry.validate(.init(replicaCount: n, faultTolerance: entry.maximumFaults(n))) { throw ExperimentError(problem) }
        }
        let fixedNodes = nodes
        var chosen = try durabilityOptions.resolve()
        let costs = try CostProfileOption.resolve(profile, flatPerMessage: nil)
        if durabilityOptions.syncLatency == nil, let p = costs.profile { chosen.syncLatency = Interval(nanoseconds: p.disk.sync) }
        let durability = chosen
        let cost = costs.profile
        let threads = max(1, jobs ?? ProcessInfo.processInfo.activeProcessorCount)
        let progress = ProgressBar(total: list.count, enabled: quiet && isatty(STDERR_FILENO) == 1)
        let started = Date()
        var failures: [UInt64] = []
        var undecided: [UInt64] = []
        let replayFlags = durabilityOptions.commandLine + (profile.map { " --profile \($0)" } ?? "")
        let search = OrderedParallel<FaultSearch.Outcome>(count: list.count, threads: threads) { index in
            entry.checkSeed(list[index], fixedNodes, durability, cost)
        }
        search.run { index, outcome in
            let head = "seed \(outcome.seed)  \(outcome.protocolName) n=\(outcome.cluster.replicaCount) f=\(outcome.cluster.faultTolerance)  ops \(outcome.opsCompleted)"
            if let failure = outcome.failure {
                failures.append(outcome.seed)
                progress.clearLine()
                print("\(head)  FAILED: \(failure)")
                print("  faults: \(outcome.plan)")
                print("  replay: consensus-bench check --protocol \(protocolName) --seeds \(outcome.seed)" + (fixedNodes.map { " --nodes \($0)" } ?? "") + replayFlags)
            } else if let why = outcome.undecided {
                undecided.append(outcome.seed)
                progress.clearLine()
                print("\(head)  UNDECIDED: \(why)")
                print("  replay: consensus-bench check --protocol \(protocolName) --seeds \(outcome.seed)" + (fixedNodes.map { " --nodes \($0)" } ?? "") + replayFlags)
            } else if !quiet {
                print("\(head)  ok  [\(outcome.plan)]")
            }
            progress.update(done: index + 1, current: "seed \(outcome.seed)")
        }
        progress.finish()
        let wall = Date().timeIntervalSince(started)
        print("\(list.count - failures.count - undecided.count) passed, \(failures.count) failed, \(undecided.count) undecided (\(protocolName), \(list.count) seeds in \(formatSeconds(wall)) s)")
        if !failures.isEmpty { throw ExitCode(1) }
        if !undecided.isEmpty && !allowUndecided { throw ExitCode(4) }
    }
}
