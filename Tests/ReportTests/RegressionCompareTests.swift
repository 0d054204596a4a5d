import Foundation
import Testing
@testable import Report

@Suite("regression compare")
struct RegressionCompareTests {
    static let header = "point,protocol,shell,nodes,faults,clients,seed,ops,duration_s,throughput_ops_s,latency_p50_us,latency_p90_us,latency_p99_us,latency_p999_us,latency_max_us,messages_per_op,bytes_per_op,leader_changes,linearizable"

    static func table(_ rows: [String]) throws -> CSVTable {
        try CSVTable.parse(([header] + rows).joined(separator: "\n") + "\n")
    }

    static let raftSim = "0,raft,sim,3,1,8,1,4000,2.000,2000.000,500.0,700.0,900.0,1200.0,1500.0,6.0000,540.00,1,true"
    static let pbftSim = "1,pbft,sim,4,1,8,1,3000,2.000,1500.000,800.0,1000.0,1400.0,1800.0,2500.0,29.0000,3480.00,0,true"
    static let raftTCP = "2,raft,tcp,3,1,8,1,4000,2.000,2000.000,500.0,700.0,900.0,1200.0,1500.0,6.0000,540.00,1,true"

    @Test("identical inputs pass")
    func identical() throws {
        let base = try Self.table([Self.raftSim, Self.pbftSim, Self.raftTCP])
        let report = RegressionCompare.compare(base: base, new: base)
        #expect(report.passed)
        #expect(report.rows.count == 3)
        #expect(report.onlyInBase.isEmpty && report.onlyInNew.isEmpty)
        #expect(report.text().hasSuffix("PASS: 3 configurations compared, no regression\n"))
    }

    @Test("rows match by configuration, not by order or point id")
    func reordered() throws {
        let base = try Self.table([Self.raftSim, Self.pbftSim])
        let new = try Self.table([Self.pbftSim.replacingFirst("1,", with: "7,"), Self.raftSim])
        #expect(RegressionCompare.compare(base: base, new: new).passed)
    }

    @Test("a throughput drop past the tolerance fails, naming the row and the metric")
    func throughputDrop() throws {
        let base = try Self.table([Self.raftTCP])
        let dropped = try Self.table([Self.raftTCP.replacingFirst("2000.000", with: "1880.000")])  // −6 %
        let report = RegressionCompare.compare(base: base, new: dropped)
        #expect(!report.passed)
        #expect(report.failures == [
            "raft tcp nodes=3 faults=1 clients=8 seed=1: throughput_ops_s 2000.000 → 1880.000 (-6.0%): worse by more than the 5.0% tolerance",
        ])
        #expect(report.text().contains("REGRESSED (±5.0%)"))
        // Within tolerance (−4 %) passes; a looser tolerance for the metric passes −6 %.
        let slight = try Self.table([Self.raftTCP.replacingFirst("2000.000", with: "1920.000")])
        #expect(RegressionCompare.compare(base: base, new: slight).passed)
        var options = CompareOptions()
        try options.applyTolerances(["throughput_ops_s=10%"])
        #expect(RegressionCompare.compare(base: base, new: dropped, options: options).passed)
    }

    @Test("latency is smaller-is-better: a rise fails, a fall is an improvement")
    func latencyDirection() throws {
        let base = try Self.table([Self.raftTCP])
        let slower = try Self.table([Self.raftTCP.replacingFirst(",900.0,", with: ",1000.0,")])
        let report = RegressionCompare.compare(base: base, new: slower)
        #expect(report.failures.count == 1)
        #expect(report.failures[0].contains("latency_p99_us 900.0 → 1000.0 (+11.1%)"))
        let faster = try Self.table([Self.raftTCP.replacingFirst(",900.0,", with: ",700.0,")])
        let improved = RegressionCompare.compare(base: base, new: faster)
        #expect(improved.passed)
        #expect(improved.rows[0].changes.first { $0.metric == "latency_p99_us" }?.verdict == .improved)
    }

    @Test("a changed message count in a simulated row fails, even when it is smaller")
    func simulatedModelChange() throws {
        let base = try Self.table([Self.raftSim])
        let changed = try Self.table([Self.raftSim.replacingFirst("6.0000", with: "5.9900")])
        let report = RegressionCompare.compare(base: base, new: changed)
        #expect(!report.passed)
        #expect(report.failures.count == 1)
        #expect(report.failures[0].hasPrefix("raft sim nodes=3 faults=1 clients=8 seed=1: messages_per_op 6.0000 → 5.9900"))
        #expect(report.rows[0].changes.first { $0.metric == "messages_per_op" }?.verdict == .modelChanged)
        // The same change on the TCP shell is inside the tolerance.
        let tcp = RegressionCompare.compare(base: try Self.table([Self.raftTCP]),
                                            new: try Self.table([Self.raftTCP.replacingFirst("6.0000", with: "5.9900")]))
        #expect(tcp.passed)
    }

    @Test("allowModelChange judges simulated rows by tolerance instead of exact equality")
    func allowModelChange() throws {
        let base = try Self.table([Self.raftSim])
        let changed = try Self.table([Self.raftSim.replacingFirst("6.0000", with: "6.1000")])  // +1.7 %
        let options = CompareOptions(allowModelChange: true)
        #expect(RegressionCompare.compare(base: base, new: changed, options: options).passed)
        let worse = try Self.table([Self.raftSim.replacingFirst("6.0000", with: "7.0000")])  // +16.7 %
        let report = RegressionCompare.compare(base: base, new: worse, options: options)
        #expect(!report.passed)
        #expect(report.rows[0].changes.first { $0.metric == "messages_per_op" }?.verdict == .regressed)
    }

    @Test("rows present on one side only are reported, and fail unless allowed")
    func oneSided() throws {
        let base = try Self.table([Self.raftSim, Self.pbftSim])
        let new = try Self.table([Self.raftSim, Self.raftTCP])
        let report = RegressionCompare.compare(base: base, new: new)
        #expect(report.onlyInBase == ["pbft sim nodes=4 faults=1 clients=8 seed=1"])
        #expect(report.onlyInNew == ["raft tcp nodes=3 faults=1 clients=8 seed=1"])
        #expect(!report.passed)
        let text = report.text()
        #expect(text.contains("only in BASE (1):\n  pbft sim nodes=4 faults=1 clients=8 seed=1\n"))
        #expect(text.contains("only in NEW (1):\n  raft tcp nodes=3 faults=1 clients=8 seed=1\n"))
        let lenient = RegressionCompare.compare(base: base, new: new, options: CompareOptions(allowUnmatchedRows: true))
        #expect(lenient.passed)
        #expect(lenient.onlyInBase.count == 1 && lenient.onlyInNew.count == 1)
    }

    @Test("informational metrics are shown but never fail; a non-linearizable history always fails")
    func informationalAndSafety() throws {
        let base = try Self.table([Self.raftTCP])
        let moreElections = try Self.table([Self.raftTCP.replacingFirst(",1,true", with: ",4,true")])
        #expect(RegressionCompare.compare(base: base, new: moreElections).passed)
        let unsafe = try Self.table([Self.raftTCP.replacingFirst(",true", with: ",false")])
        let report = RegressionCompare.compare(base: base, new: unsafe)
        #expect(report.failures == ["raft tcp nodes=3 faults=1 clients=8 seed=1: linearizable true → false: the new history is not linearizable"])
    }

    @Test("the CLI's extra outcome columns are not configuration: a changed stall or violation count still matches the row")
    func outcomeColumns() throws {
        let header = Self.header + ",batch,faults_injected,longest_stall_ms,violations,rejected_messages"
        let base = try CSVTable.parse(header + "\n" + Self.raftTCP + ",1,crash(leader)@2s,150.000,0,0\n")
        let new = try CSVTable.parse(header + "\n" + Self.raftTCP + ",1,crash(leader)@2s,170.000,0,3\n")
        let report = RegressionCompare.compare(base: base, new: new)
        #expect(report.passed)
        #expect(report.rows.count == 1)
        #expect(report.rows[0].label == "raft tcp nodes=3 faults=1 clients=8 seed=1 batch=1 faults_injected=crash(leader)@2s")
        let broken = try CSVTable.parse(header + "\n" + Self.raftTCP + ",1,crash(leader)@2s,150.000,2,0\n")
        let unsafe = RegressionCompare.compare(base: base, new: broken)
        #expect(unsafe.failures == ["raft tcp nodes=3 faults=1 clients=8 seed=1 batch=1 faults_injected=crash(leader)@2s: violations 0 → 2: the new run broke a safety invariant"])
        // In the simulator the stall is deterministic like latency.
        let simBase = try CSVTable.parse(header + "\n" + Self.raftSim + ",1,,150.000,0,0\n")
        let simNew = try CSVTable.parse(header + "\n" + Self.raftSim + ",1,,151.000,0,0\n")
        #expect(!RegressionCompare.compare(base: simBase, new: simNew).passed)
    }

    @Test("a metric that is no longer a number fails as missing")
    func missingValue() throws {
        let base = try Self.table([Self.raftTCP])
        let new = try Self.table([Self.raftTCP.replacingFirst("6.0000", with: "")])
        let report = RegressionCompare.compare(base: base, new: new)
        #expect(report.rows[0].changes.first { $0.metric == "messages_per_op" }?.verdict == .missing)
        #expect(!report.passed)
    }

    @Test("columns on one side only are noted and not used to match rows")
    func extraColumns() throws {
        let base = try Self.table([Self.raftSim])
        let new = try CSVTable.parse(Self.header + ",batch\n" + Self.raftSim + ",1\n")
        let report = RegressionCompare.compare(base: base, new: new)
        #expect(report.passed)
        #expect(report.notes == ["column 'batch' is only in NEW: not compared"])
    }

    @Test("the text table is aligned: every metric line has its columns at the same offsets")
    func alignedText() throws {
        let base = try Self.table([Self.raftTCP, Self.pbftSim])
        let new = try Self.table([Self.raftTCP.replacingFirst("2000.000", with: "1880.000"), Self.pbftSim])
        let text = RegressionCompare.compare(base: base, new: new).text()
        let lines = text.split(separator: "\n").prefix { !$0.hasPrefix("FAIL") }
            .filter { $0.contains("latency_p50_us") || $0.contains("throughput_ops_s") }
        let offsets = Set(lines.map { $0.distance(from: $0.startIndex, to: $0.firstIndex(of: "_")!) })
        #expect(lines.count == 4)
        #expect(offsets.count == 2)  // "throughput_" and "latency_" start at one column
        let starts = Set(lines.map { line in line.distance(from: line.startIndex, to: line.range(of: "throughput_ops_s")?.lowerBound ?? line.range(of: "latency_p50_us")!.lowerBound) })
        #expect(starts.count == 1)
    }

    @Test("--format json gives github-action-benchmark's two custom arrays of {name, unit, value}")
    func json() throws {
        let base = try Self.table([Self.raftSim])
        let report = RegressionCompare.compare(base: base, new: base)
        let document = report.json()
        let object = try #require(try JSONSerializationCheck.parse(document) as? [String: Any])
        let bigger = try #require(object["customBiggerIsBetter"] as? [[String: Any]])
        let smaller = try #require(object["customSmallerIsBetter"] as? [[String: Any]])
        #expect(bigger.count == 1)
        #expect(bigger[0]["name"] as? String == "raft sim nodes=3 faults=1 clients=8 seed=1 throughput_ops_s")
        #expect(bigger[0]["unit"] as? String == "ops/s")
        #expect((bigger[0]["value"] as? NSNumberLike)?.doubleValue == 2000)
        #expect(smaller.count == 7)  // five latencies, messages/op, bytes/op
        #expect(Set(smaller.compactMap { $0["unit"] as? String }) == ["us", "messages/op", "bytes/op"])
    }

    @Test("a malformed runs.csv is a one-line error naming the file and line")
    func malformed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("compare-bad-\(UInt32.random(in: 0...UInt32.max)).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("protocol,nodes\nraft,3,extra\n".utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try RegressionCompare.loadRuns(path)
            Issue.record("a ragged file must be rejected")
        } catch {
            #expect("\(error)" == "\(path) line 2: row has 3 fields, the header has 2")
            #expect(!"\(error)".contains("\n"))
        }
        #expect(throws: ReportError("/nonexistent/folder: no such file or folder")) {
            try RegressionCompare.loadRuns("/nonexistent/folder")
        }
    }

    @Test("tolerances parse from 5%, 0.05 and metric=10%; bad ones are one-line errors")
    func tolerances() throws {
        #expect(CompareOptions.parseTolerance("5%") == 0.05)
        #expect(CompareOptions.parseTolerance("0.05") == 0.05)
        #expect(CompareOptions.parseTolerance("-1%") == nil)
        #expect(CompareOptions.parseTolerance("five") == nil)
        var options = CompareOptions()
        try options.applyTolerances(["10%", "latency_p99_us=20%"])
        #expect(options.tolerance(for: "throughput_ops_s") == 0.1)
        #expect(options.tolerance(for: "latency_p99_us") == 0.2)
        #expect(throws: ReportError.self) { try options.applyTolerances(["nodes=5%"]) }
        #expect(throws: ReportError.self) { try options.applyTolerances(["x%"]) }
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { fatalError("'\(target)' not in '\(self)'") }
        return replacingCharacters(in: range, with: replacement)
    }
}
