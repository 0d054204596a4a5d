import Foundation
import Report
import Testing

@Suite("calibrate times the crypto the cost model charges for, and the flags charge it")
struct CalibrateTests {
    @Test("calibrate prints one row per operation and the flags that would charge what it measured")
    func rowsAndFlags() throws {
        let outcome = try CLIRunner.run(["calibrate", "--seconds", "0.01"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        for operation in ["MAC: HMAC-SHA256", "MAC: swift-crypto HMAC<SHA256>", "Ed25519 signature  ", "Ed25519 signature check",
                          "SHA-256 digest"] {
            let row = lines.first { $0.hasPrefix(operation) }
            #expect(row != nil, "no row for \(operation) in \(outcome.stdout)")
            let measured = row.flatMap { $0.dropFirst(56).split(separator: " ").first }.flatMap { Int($0) }
            #expect((measured ?? 0) > 0, "\(operation): \(row ?? "")")
        }
        let flags = try #require(lines.last)
        for flag in ["--cpu-per-mac ", "--cpu-per-signature ", "--cpu-per-signature-check ", "--cpu-per-digest "] {
            #expect(flags.contains(flag), "\(flags)")
        }
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
