import Foundation
import Report
import Testing

@Suite("calibrate times the crypto the cost model charges for, and the flags charge it")
struct CalibrateTests {
    @Test("calibrate prints one row per operation and the flags that would charge what it measured")
    func rowsAndFlags() throws {
        let outcome = try CLIRunner.run(["calibrate", "--seconds", "0.01", "--protocol-seconds", "0.02", "--round-trips", "200"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        for operation in ["MAC: HMAC-SHA256", "MAC: swift-crypto HMAC<SHA256>", "Ed25519 signature  ", "Ed25519 signature check",
                          "SHA-256 digest"] {
            let row = lines.first { $0.hasPrefix(operation) }
            #expect(row != nil, "no row for \(operation) in \(outcome.stdout)")
            let measured = row.flatMap { $0.dropFirst(56).split(separator: " ").first }.flatMap { Int($0) }
            #expect((measured ?? 0) > 0, "\(operation): \(row ?? "")")
        }
        let flags = try #require(lines.first { $0.contains("--cpu-per-mac") })
        for flag in ["--cpu-per-mac ", "--cpu-per-signature ", "--cpu-per-signature-check ", "--cpu-per-digest "] {
            #expect(flags.contains(flag), "\(flags)")
        }
    }

    @Test("calibrate --save writes a cost profile with every protocol's table, and run --profile charges it")
    func savedProfileIsUsable() throws {
        let dir = CLIRunner.temporaryDirectory("calibrate-save")
        let profile = dir + "/profile.yaml"
        let saved = try CLIRunner.run(["calibrate", "--seconds", "0.01", "--protocol-seconds", "0.02", "--round-trips", "200",
                                       "--disk-dir", dir, "--save", profile])
        #expect(saved.status == 0, "\(saved.stderr)")
        let text = try String(contentsOfFile: profile, encoding: .utf8)
        for key in ["format: consensus-bench-profile/1", "raft:", "multipaxos:", "pbft:", "AppendEntries:", "PrePrepare:", "Accept:",
                    "per_frame:", "one_way:", "signature_check:", "sync:"] {
            #expect(text.contains(key), "no \(key) in \(text)")
        }
        for line in ["raft", "multipaxos", "pbft"] { #expect(saved.stdout.contains("\n\(line) (n="), "\(saved.stdout)") }
        // Each protocol's steady state persists, so each table has its persist figure (the records' encoding).
        #expect(text.components(separatedBy: "\n    persist: ").count == 4, "\(text)")
        #expect(saved.stdout.components(separatedBy: "persist (records encoded)").count == 4, "\(saved.stdout)")
        let out = dir + "/run"
        let run = try CLIRunner.run(["run", "--protocol", "raft", "--ops", "200", "--profile", profile, "--out", out])
        #expect(run.status == 0, "\(run.stderr)")
        let manifest = try String(contentsOfFile: out + "/manifest.json", encoding: .utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(manifest.utf8)) as? [String: Any])
        let points = try #require(object["points"] as? [[String: Any]])
        #expect(points.first?["cost_profile"] as? String == profile, "\(manifest)")
    }

    @Test("calibrate times a journal append with and without fdatasync on --disk-dir, and prints the flags that charge them")
    func diskRowsAndFlags() throws {
        let dir = CLIRunner.temporaryDirectory("calibrate-disk")
        let outcome = try CLIRunner.run(["calibrate", "--seconds", "0.02", "--protocol-seconds", "0.02", "--round-trips", "200", "--disk-dir", dir])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("journal append on \(dir)") }, "\(outcome.stdout)")
        var p50s: [Int] = []
        for row in ["one record, written (no sync)", "one record, written and fdatasync'd"] {
            let line = try #require(lines.first { $0.hasPrefix(row) }, "no row \(row) in \(outcome.stdout)")
            let figures = line.dropFirst(56).split(separator: " ").compactMap { Int($0) }
            #expect(figures.count == 4, "\(line)")
            #expect(figures.count == 4 && figures[0] > 0 && figures[1] >= figures[0] && figures[3] > 0, "p50 ≤ p99, samples: \(line)")
            p50s.append(figures.first ?? 0)
        }
        let flags = try #require(lines.first { $0.contains("--cpu-per-persist") })
        #expect(flags.contains("--cpu-per-persist \(p50s[0])ns") && flags.contains("--sync-latency \(p50s[1])ns"), "\(flags)")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(left.isEmpty, "the probe's journal is removed: \(left)")
    }

    @Test("--cpu-per-mac is charged: a dearer MAC makes PBFT slower in simulated time")
    func macCostCharged() throws {
        func throughput(_ extra: [String]) throws -> Double {
            let dir = CLIRunner.temporaryDirectory("mac-cost-\(extra.count)")
            let outcome = try CLIRunner.run(["run", "--protocol", "pbft", "--nodes", "4", "--clients", "4", "--ops", "300",
                                             "--out", dir, "--no-check"] + extra)
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let runs = try CSVTable.load(path: dir + "/runs.csv")
            return Double(runs.value(row: 0, column: "throughput_ops_s") ?? "") ?? 0
        }
        let calibrated = try throughput([])
        let dear = try throughput(["--cpu-per-mac", "20us"])
        #expect(calibrated > 0)
        #expect(dear < calibrated * 0.8, "20 µs per MAC: \(dear) ops/s against \(calibrated)")
    }
}
