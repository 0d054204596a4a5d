import Foundation
import LockstepTesting
import Testing

/// The scripts of `testdata/` (etcd-io/raft's style): each drives a lock-step PBFT cluster and holds
/// the output it must print. `CONSENSUS_BENCH_REWRITE=1 swift test --filter Scenario` rewrites them.
@Suite("PBFT scenarios (testdata)")
struct PBFTScenarioTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata").path

    @Test("each scenario prints what it expects", arguments: ScriptRunner.scripts(in: directory))
    func scenario(_ file: String) throws {
        let script = ClusterScript(pbftDialect)
        let report = try ScriptRunner.run(file: Self.directory + "/" + file, execute: script.execute)
        if !report.passed { Issue.record("\(report)") }
    }
}
