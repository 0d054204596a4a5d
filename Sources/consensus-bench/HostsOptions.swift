import ArgumentParser
import Harness

/// `--hosts FILE` and `--push-binary`, declared once for every command that spreads work over hosts:
/// run and sweep (through `ExperimentOptions`) and check.
struct HostsOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Run on these hosts over ssh (YAML; README: \"Several hosts\"): --shell process puts the node processes there; sweep --shell sim and check spread points or seeds over them, as many at once on each as it has cores.",
                               valueName: "file"))
    var hosts: String?
    @Flag(name: .customLong("push-binary"), help: "--hosts: copy this consensus-bench to every host that lacks this build.")
    var pushBinary = false

    /// The `--hosts` file, read and checked for form (not yet for reachability).
    func load() throws -> HostsFile? {
        guard let hosts else {
            if pushBinary { throw ExperimentError("--push-binary applies with --hosts") }
            return nil
        }
        return try HostsFile.load(hosts, defaultBinary: try localExecutable())
    }
}
