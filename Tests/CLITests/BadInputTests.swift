import Foundation
import Testing

@Suite("Bad input is one line on stderr and a non-zero exit, never a trap")
struct BadInputTests {
    static let cases: [(String, [String])] = [
        ("unknown protocol", ["run", "--protocol", "zab"]),
        ("zero replicas", ["run", "--nodes", "0"]),
        ("raft with n < 2f+1", ["run", "--nodes", "2", "--faults", "1"]),
        ("pbft with n < 3f+1", ["run", "--protocol", "pbft", "--nodes", "4", "--faults", "2"]),
        ("negative duration", ["run", "--duration=-1s"]),
        ("unknown flag", ["run", "--frobnicate"]),
        ("malformed duration", ["run", "--duration", "soon"]),
        ("malformed quiet period", ["run", "--quiet-period", "a while"]),
        ("malformed MAC cost", ["run", "--protocol", "pbft", "--cpu-per-mac", "cheap"]),
        ("negative signature cost", ["run", "--protocol", "pbft", "--cpu-per-signature=-1us"]),
        ("calibrate for no time", ["calibrate", "--seconds", "0"]),
        ("crash of a replica that does not exist", ["run", "--nodes", "3", "--crash", "9@1s"]),
        ("unknown byzantine behaviour", ["run", "--protocol", "pbft", "--byzantine", "1:evil"]),
        ("split authenticators with no authenticators", ["run", "--protocol", "pbft", "--auth", "none", "--byzantine", "1:split-auth"]),
        ("split authenticators on a protocol that sends none", ["run", "--protocol", "raft", "--byzantine", "1:split-auth"]),
        ("more clients than client ids", ["run", "--clients", "2000000"]),
        ("missing history file", ["check-history", "/nonexistent/history.jsonl"]),
        ("sweep with nodes and faults", ["sweep", "--nodes", "3", "--faults", "1"]),
        ("tcp shell bound to an address that does not resolve", ["run", "--shell", "tcp", "--bind", "no.such.host.invalid", "--duration", "100ms"]),
        ("process shell bound to a malformed address", ["run", "--shell", "process", "--bind", "300.1.2.3", "--duration", "100ms"]),
        ("tcp shell bound to an address of another host", ["run", "--shell", "tcp", "--bind", "192.0.2.1", "--duration", "100ms"]),
        ("zero tcp threads", ["run", "--shell", "tcp", "--tcp-threads", "0"]),
        ("negative generator threads", ["run", "--shell", "tcp", "--tcp-generator-threads=-1"]),
        ("bind with the simulator", ["run", "--bind", "0.0.0.0"]),
        ("unknown sync policy", ["run", "--sync", "sometimes"]),
        ("unknown crash kind", ["run", "--crash-kind", "meteor"]),
        ("unknown sync policy in a sweep", ["sweep", "--sync", "fdatasync"]),
        ("unknown crash kind in a fault search", ["check", "--seeds", "1-2", "--crash-kind", "flood"]),
        ("malformed sync latency", ["run", "--sync", "fsync", "--sync-latency", "fast"]),
        ("calibrate on a disk folder that cannot be made", ["calibrate", "--seconds", "0.01", "--disk-dir", "/proc/no-such-folder"]),
        ("profile that does not exist", ["run", "--profile", "/nonexistent/profile.yaml"]),
        ("profile that is not YAML", ["run", "--profile", "/proc/self/status"]),
        ("profile that is another file", ["run", "--profile", "/etc/hostname"]),
        ("profile beside a flat message cost", ["run", "--profile", "/etc/hostname", "--cpu-per-message", "2us"]),
        ("event-loop ticks with a profile that did not take syscalls apart", ["run", "--event-loop-ticks"]),
        ("profile in a fault search that does not exist", ["check", "--seeds", "1", "--profile", "/nonexistent.yaml"]),
        ("knee with a rate", ["run", "--knee", "--rate", "1000"]),
        ("slo that is not a bound", ["run", "--knee", "--slo", "p99=abc"]),
        ("slo without knee", ["run", "--slo", "10ms"]),
        ("validate of an unknown protocol", ["validate", "--cluster", "zab:3"]),
        ("validate of an impossible size", ["validate", "--cluster", "raft:0"]),
        ("validate with a flat message cost", ["validate", "--cluster", "raft:3", "--cpu-per-message", "2us"]),
        ("unknown allocator", ["run", "--shell", "process", "--allocator", "tcmalloc"]),
        ("allocator in the simulator", ["run", "--allocator", "jemalloc"]),
        ("shared CPUs over tcp", ["run", "--shell", "tcp", "--shared-cpus", "2"]),
        ("no shared CPUs", ["run", "--shared-cpus", "0"]),
        ("node bound to an address that does not resolve", ["node", "--id", "0", "--cluster", "/nonexistent.json", "--bind", "no.such.host.invalid"]),
    ]

    @Test("each bad input gets one line of error", arguments: cases.map(\.0))
    func oneLineError(name: String) throws {
        let args = Self.cases.first { $0.0 == name }!.1
        let outcome = try CLIRunner.run(args)
        #expect(outcome.status != 0, "\(name): exit status \(outcome.status)")
        let lines = outcome.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "\(name): stderr was \(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix("consensus-bench: error: "), "\(name): \(outcome.stderr)")
        #expect(!outcome.stderr.contains("Fatal error"))
        #expect(outcome.status != 132 && outcome.status != 134 && outcome.status != 139, "\(name) trapped")
    }
}
