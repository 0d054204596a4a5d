import ConsensusCore
import Harness
import Report
import Testing

/// A protocol declares what a user can set and what its steady state costs; the registry turns the
/// declarations into flags, runs.csv columns and the plot's curves, so adding a protocol touches only
/// its own module and one registry line.
@Suite("The protocol registry")
struct ProtocolRegistryTests {
    static func spec(_ protocolName: String, _ options: [String: String]) -> ExperimentSpec {
        var s = ExperimentSpec()
        s.protocolName = protocolName
        s.protocolOptions = ProtocolOptionValues(options)
        return s
    }

    @Test("runs.csv keeps its columns: the shared ones around each protocol's options, in registry order")
    func runsColumns() {
        let columns = RunsSchema.columns(protocolColumns: ProtocolRegistry.options.map(\.column))
        #expect(columns == [
            "point", "protocol", "shell", "nodes", "faults", "clients", "seed", "ops", "duration_s",
            "throughput_ops_s", "latency_p50_us", "latency_p90_us", "latency_p99_us", "latency_p999_us", "latency_max_us",
            "messages_per_op", "bytes_per_op", "leader_changes", "linearizable",
            "batch", "pipeline", "load", "offered_ops_s", "saturated", "capacity_ops_s", "keys", "key_distribution", "read_ratio", "cas_ratio", "value_size",
            "snapshot_interval", "paxos_commit", "auth", "checkpoint_interval", "link_latency_us", "faults_injected", "longest_stall_ms",
            "violations", "rejected_messages", "sync", "crash_kind", "syncs", "records_per_sync",
        ])
    }

    @Test("protocols with the same analytic count share one dashed curve that names them all")
    func mergedCurves() {
        let curves = ProtocolRegistry.expectedCurves
        #expect(curves.map(\.name) == ["2n (Raft, Paxos)", "3n−1 (Paxos + Commit)", "2n²−n+1 (PBFT)", "4n−2 (HotStuff)"])
        #expect(curves.map { $0.count(4) } == [8, 11, 29, 14])
    }

    @Test("an option takes the declaring protocol's default when absent, and the given value when present")
    func defaultsAndValues() throws {
        let pbft = try ProtocolRegistry.entry(named: "pbft")
        let auth = try #require(pbft.options.first { $0.flag == "auth" })
        #expect(pbft.value(of: auth, in: Self.spec("pbft", [:])) == "mac")
        #expect(pbft.value(of: auth, in: Self.spec("pbft", ["auth": "sig"])) == "sig")
        #expect(try ProtocolRegistry.entry(named: "raft").options.map(\.flag) == ["snapshot-interval"])
    }

    @Test("another protocol's option is ignored, but a value it would refuse and a flag nobody declares are errors")
    func validation() throws {
        _ = try ResolvedExperiment(Self.spec("raft", ["auth": "none"]))
        #expect(throws: ExperimentError("--auth must be mac, sig or none (got 'rsa')")) {
            _ = try ResolvedExperiment(Self.spec("raft", ["auth": "rsa"]))
        }
        #expect(throws: ExperimentError("--checkpoint-interval must be at least 1 (got 0)")) {
            _ = try ResolvedExperiment(Self.spec("pbft", ["checkpoint-interval": "0"]))
        }
        #expect(throws: ExperimentError.self) { _ = try ResolvedExperiment(Self.spec("pbft", ["frobnicate": "1"])) }
    }
}
