import Foundation
import Report
import Testing

@Suite("validate compares the simulator with the tcp shell and keeps every knee probe")
struct ValidateTests {
    /// The committed profile, so the test does not calibrate first.
    static let profile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("results/profiles/project-machine.yaml").path

    @Test("validate writes the metrics of both shells, and knee.csv holds each shell's probes with the capacity among them")
    func tableAndProbes() throws {
        let dir = CLIRunner.temporaryDirectory("validate")
        let outcome = try CLIRunner.run(["validate", "--cluster", "raft:3", "--profile", Self.profile, "--out", dir])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let validation = try CSVTable.parse(String(contentsOfFile: dir + "/validation.csv", encoding: .utf8))
        #expect(validation.rows.map { $0[2] } == ["capacity", "p50 at 1 client", "p50 at half capacity", "p99 at half capacity",
                                                  "messages/op", "bytes/op"], "\(validation.rows)")
        let knee = try CSVTable.parse(String(contentsOfFile: dir + "/knee.csv", encoding: .utf8))
        #expect(knee.header == ["protocol", "nodes", "shell", "probe", "offered_ops_s", "throughput_ops_s", "completed_ratio",
                                "slo_latency_us", "latency_p50_us", "latency_p99_us", "met"])
        for shell in ["sim", "tcp"] {
            let probes = knee.rows.filter { $0[2] == shell }
            #expect(probes.map { $0[3] } == probes.indices.map { String($0) }, "\(shell): \(probes)")
            // The capacity reported is the highest offered rate among the probes that met the objective.
            let met = probes.filter { $0[10] == "true" }.compactMap { Double($0[4]) }
            let capacity = validation.rows[0][shell == "sim" ? 4 : 5]
            #expect(met.max().map { formatDecimal($0, places: 1) } == capacity, "\(shell): \(probes) against \(capacity)")
            #expect(outcome.stderr.contains("knee: raft n=3 \(shell) offered "), "\(outcome.stderr)")
        }
    }
}
