import ArgumentParser
import ConsensusCore
import Harness
import ShellKit

/// `--sync`, `--crash-kind` and `--sync-latency`: how persists reach the disk and what a crash loses,
/// the same flags for `run`, `sweep` and `check`.
struct DurabilityOptions: ParsableArguments {
    @Option(help: "How persists reach the disk: none (written, never synced; etcd's --unsafe-no-fsync) or fsync (fdatasync before the messages that depend on a write leave, with group commit).")
    var sync: String = "none"
    @Option(name: .customLong("crash-kind"), help: "What a crash loses: process (the OS keeps every write) or power (writes not yet synced are lost).")
    var crashKind: String = "process"
    @Option(name: .customLong("sync-latency"), help: "Simulated time one sync takes under --sync fsync (default \(Durability().syncLatency); `calibrate` measures fdatasync on your disk).")
    var syncLatency: String?

    /// The flags as typed, or one line naming the flag and what it takes.
    func resolve() throws -> Durability {
        var durability = Durability()
        guard let policy = SyncPolicy(rawValue: sync) else {
            throw ExperimentError("--sync must be one of \(SyncPolicy.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(sync)')")
        }
        guard let kind = CrashKind(rawValue: crashKind) else {
            throw ExperimentError("--crash-kind must be one of \(CrashKind.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(crashKind)')")
        }
        durability.sync = policy
        durability.crashKind = kind
        if let syncLatency { durability.syncLatency = try interval(syncLatency, flag: "--sync-latency") }
        return durability
    }

    /// The flags that differ from the defaults, as a command line repeats them (" --sync fsync …").
    var commandLine: String {
        (sync == "none" ? "" : " --sync \(sync)") + (crashKind == "process" ? "" : " --crash-kind \(crashKind)")
            + (syncLatency.map { " --sync-latency \($0)" } ?? "")
    }
}
