import LockstepTesting
import Testing

/// The scripts of `testdata/` (etcd-io/raft's style): each drives a lock-step PBFT cluster and holds
/// the output it must print. `CONSENSUS_BENCH_REWRITE=1 swift test --filter Scenario` rewrites them.
@Suite("PBFT scenarios (testdata)")
struct PBFTScenarioTests {
    static let testdata = ScriptRunner.testdata(beside: #filePath)

    @Test("each scenario prints what it expects", arguments: testdata.scripts)
    func scenario(_ file: String) throws {
        let report = try ScriptRunner.run(file, in: Self.testdata.directory, dialect: pbftDialect)
        if !report.passed { Issue.record("\(report)") }
    }
}
