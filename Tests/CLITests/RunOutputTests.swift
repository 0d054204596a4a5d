import Foundation
import Report
import Testing

@Suite("run writes its CSV files")
struct RunOutputTests {
    static let files = ["runs.csv", "messages.csv", "latency.csv", "timeseries.csv"]

    @Test("same seed twice: the four CSV files are byte-identical", arguments: ["raft", "multipaxos", "pbft"])
    func sameSeedByteIdentical(protocolName: String) throws {
        let a = CLIRunner.temporaryDirectory("same-seed-a-\(protocolName)"), b = CLIRunner.temporaryDirectory("same-seed-b-\(protocolName)")
        let nodes = protocolName == "pbft" ? "4" : "5"
        let args = ["run", "--protocol", protocolName, "--nodes", nodes, "--clients", "8", "--duration", "300ms", "--seed", "11",
                    "--crash", "leader@500ms", "--restart", "leader@600ms"]
        let first = try CLIRunner.run(args + ["--out", a])
        let second = try CLIRunner.run(args + ["--out", b])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(second.status == 0, "\(second.stderr)")
        for name in Self.files {
            let x = FileManager.default.contents(atPath: a + "/" + name)
            let y = FileManager.default.contents(atPath: b + "/" + name)
            #expect(x != nil && x == y, "\(name) differs between two runs with the same seed")
        }
        let manifest = try #require(FileManager.default.contents(atPath: a + "/manifest.json"))
        #expect(String(decoding: manifest, as: UTF8.self).contains("\"git_commit\""))
    }

    @Test("runs.csv has the documented columns and parses strictly")
    func runsColumns() throws {
        let dir = CLIRunner.temporaryDirectory("columns")
        let outcome = try CLIRunner.run(["run", "--nodes", "3", "--duration", "200ms", "--out", dir, "--history"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let runs = try CSVTable.load(path: dir + "/runs.csv")
        for column in ["protocol", "shell", "nodes", "faults", "clients", "seed", "ops", "duration_s", "throughput_ops_s",
                       "latency_p50_us", "latency_p90_us", "latency_p99_us", "latency_p999_us", "latency_max_us",
                       "messages_per_op", "bytes_per_op", "leader_changes", "linearizable"] {
            #expect(runs.hasColumn(column), "runs.csv lacks \(column)")
        }
        #expect(runs.rows.count == 1)
        #expect(runs.value(row: 0, column: "linearizable") == "true")
        #expect(runs.value(row: 0, column: "shell") == "sim")
        let history = try String(contentsOfFile: dir + "/history.jsonl", encoding: .utf8)
        #expect(history.split(separator: "\n").count > 10)
        let check = try CLIRunner.run(["check-history", dir + "/history.jsonl"])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
    }

    @Test("runs.csv leaves the simulator's link latency empty for a real shell, which has no simulated link",
          arguments: ["tcp", "process"])
    func simulatorOnlyColumnsEmptyOnRealShells(shell: String) throws {
        let dir = CLIRunner.temporaryDirectory("real-shell-columns-\(shell)")
        let outcome = try CLIRunner.run(["run", "--shell", shell, "--nodes", "3", "--clients", "4", "--duration", "300ms",
                                         "--warmup", "200ms", "--quiet-period", "300ms", "--no-check", "--out", dir])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let runs = try CSVTable.load(path: dir + "/runs.csv")
        #expect(runs.value(row: 0, column: "shell") == shell)
        #expect(runs.value(row: 0, column: "link_latency_us") == "")
    }

    @Test("runs.csv of a simulated run reports its link latency")
    func simulatedRunReportsLinkLatency() throws {
        let dir = CLIRunner.temporaryDirectory("sim-link-latency")
        let outcome = try CLIRunner.run(["run", "--nodes", "3", "--ops", "50", "--link-latency", "150us", "--no-check", "--out", dir])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let runs = try CSVTable.load(path: dir + "/runs.csv")
        #expect(runs.value(row: 0, column: "link_latency_us") == "150.0")
    }
}
