import Foundation
import Report
import Testing

@Suite("sweep writes one row per point, incrementally")
struct SweepTests {
    @Test("a sweep's runs.csv parses strictly with one row per point, and the fit and plots exist")
    func rowsPerPoint() throws {
        let dir = CLIRunner.temporaryDirectory("sweep-rows")
        let outcome = try CLIRunner.run(["sweep", "--protocols", "raft,multipaxos", "--faults", "1,2", "--ops", "200",
                                         "--repeat", "2", "--out", dir, "--quiet"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let runs = try CSVTable.load(path: dir + "/runs.csv")
        #expect(runs.rows.count == 8)
        #expect(runs.column("point") == (0 ..< 8).map(String.init))
        #expect(runs.column("seed") == ["1", "2", "1", "2", "1", "2", "1", "2"])
        for name in ["messages.csv", "latency.csv", "timeseries.csv", "fit.csv"] {
            _ = try CSVTable.load(path: dir + "/" + name)
        }
        for svg in ["messages_per_op.svg", "bytes_per_op.svg", "throughput.svg", "latency.svg", "index.html"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + svg), "\(svg) missing")
        }
        #expect(outcome.stdout.contains("messages/op ≈"))
    }

    @Test("sweep --price-of-bft writes which protocols keep safety with one Byzantine replica, and index.html shows it")
    func priceOfBFT() throws {
        let dir = CLIRunner.temporaryDirectory("sweep-price-of-bft")
        let outcome = try CLIRunner.run(["sweep", "--protocols", "raft,pbft", "--faults", "1", "--ops", "200", "--price-of-bft",
                                         "--out", dir, "--quiet"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let table = try CSVTable.load(path: dir + "/price_of_bft.csv")
        let protocols = try #require(table.column("protocol")), byzantine = try #require(table.column("byzantine"))
        let safety = try #require(table.column("safety"))
        let rows = Dictionary(uniqueKeysWithValues: zip(zip(protocols, byzantine).map { "\($0) \($1)" }, safety))
        #expect(rows["raft 0:lie"] == "broken" && rows["raft 0:equivocate"] == "broken", "\(rows)")
        #expect(rows["pbft 0:lie"] == "held" && rows["pbft 0:equivocate"] == "held", "\(rows)")
        #expect(rows["pbft 0:lie 1:lie"] == "broken", "\(rows)")
        let page = try String(contentsOfFile: dir + "/index.html", encoding: .utf8)
        #expect(page.contains("The price of BFT"))
    }

    @Test("sweep --help states the default number of operations a point runs, and a sweep without --ops runs that many")
    func helpStatesTheDefaultOps() throws {
        let help = try CLIRunner.run(["sweep", "--help"])
        #expect(help.status == 0, "\(help.stderr)")
        // ArgumentParser wraps help text: read it as one line.
        let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let match = try #require(text.firstMatch(of: /default --ops (\d+)/), "no 'default --ops N' in sweep --help")
        let stated = try #require(Int(match.1))
        #expect(text.contains("\(stated) operations per point"), "the discussion and the --duration help disagree")
        let dir = CLIRunner.temporaryDirectory("sweep-default-ops")
        let outcome = try CLIRunner.run(["sweep", "--protocols", "raft", "--faults", "1", "--no-check", "--out", dir, "--quiet"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let runs = try CSVTable.load(path: dir + "/runs.csv")
        #expect(runs.column("ops") == [String(stated)])
    }

    @Test("run --help names all three shells in its overview")
    func runHelpNamesEveryShell() throws {
        let help = try CLIRunner.run(["run", "--help"])
        let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let overview = try #require(text.firstMatch(of: /OVERVIEW: (.*?) USAGE:/)).1
        #expect(overview.contains("simulator") && overview.contains("TCP") && overview.contains("process per replica"), "\(overview)")
    }

    @Test("SIGINT mid-sweep leaves a valid runs.csv holding every finished point")
    func interruptedSweep() throws {
        let dir = CLIRunner.temporaryDirectory("sweep-sigint")
        let started = try CLIRunner.start(["sweep", "--protocols", "raft", "--faults", "1-10", "--ops", "30000",
                                           "--jobs", "1", "--out", dir, "--quiet"])
        let process = started.0
        // Wait until at least one point is written, then interrupt.
        let deadline = Date().addingTimeInterval(120)
        var rows = 0
        while Date() < deadline, process.isRunning {
            if let table = try? CSVTable.load(path: dir + "/runs.csv"), table.rows.count >= 1 { rows = table.rows.count; break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(rows >= 1, "no point finished in time")
        kill(process.processIdentifier, SIGINT)
        let outcome = CLIRunner.finish(started)
        #expect(outcome.status != 0 || !process.isRunning)
        let text = try String(contentsOfFile: dir + "/runs.csv", encoding: .utf8)
        #expect(text.hasSuffix("\n"), "runs.csv ends in half a row")
        let table = try CSVTable.parse(text)
        #expect(table.rows.count >= rows)
        #expect(table.rows.count < 10, "the sweep should have been interrupted")
    }

    @Test("a malformed YAML sweep file is a one-line error naming the file")
    func malformedYAML() throws {
        let path = NSTemporaryDirectory() + "consensus-bench-bad-\(ProcessInfo.processInfo.processIdentifier).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "protocols: [raft\nfaults: 1\n".write(toFile: path, atomically: true, encoding: .utf8)
        let outcome = try CLIRunner.run(["sweep", "--config", path])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.split(separator: "\n").count == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.contains(path))
        try "protocols: [raft]\nfautls: [1]\n".write(toFile: path, atomically: true, encoding: .utf8)
        let unknown = try CLIRunner.run(["sweep", "--config", path])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("\(path):2"), "\(unknown.stderr)")
        #expect(unknown.stderr.contains("fautls"))
    }

    @Test("a YAML sweep file runs the sweep it describes")
    func yamlSweep() throws {
        let path = NSTemporaryDirectory() + "consensus-bench-good-\(ProcessInfo.processInfo.processIdentifier).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let dir = CLIRunner.temporaryDirectory("sweep-yaml")
        try "protocols: [raft, multipaxos]\nnodes: [3, 5]\nops: 200\nquiet: true\nout: \(dir)\n".write(toFile: path, atomically: true, encoding: .utf8)
        let outcome = try CLIRunner.run(["sweep", "--config", path])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(try CSVTable.load(path: dir + "/runs.csv").rows.count == 4)
    }
}
