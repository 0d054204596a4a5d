import LockstepTesting
import Testing

/// The scripts of `testdata/` (etcd-io/raft's style): each drives a lock-step Raft cluster and holds
/// the output it must print. `CONSENSUS_BENCH_REWRITE=1 swift test --filter Scenario` rewrites them.
@Suite("Raft scenarios (testdata)")
struct RaftScenarioTests {
    static let testdata = ScriptRunner.testdata(beside: #filePath)

    @Test("each scenario prints what it expects", arguments: testdata.scripts)
    func scenario(_ file: String) throws {
        let report = try ScriptRunner.run(file, in: Self.testdata.directory, dialect: raftDialect)
        if !report.passed { Issue.record("\(report)") }
    }

    @Test("a changed expected line fails with a diff naming the script, the line and the command")
    func changedLineFails() throws {
        let text = """
            cluster n=3
            ----
            ok

            # The election timer of 0 fires: it asks for pre-votes (it would say PreVote).
            campaign 0
            ----
            0 election timer fires
              0→* RequestVote term=1 last=0/0
            """
        let report = ScriptRunner.run(try Script(name: "inline.txt", text: text), execute: ClusterScript(raftDialect).execute)
        #expect(!report.passed)
        let message = "\(report)"
        #expect(message.contains("inline.txt:6: campaign 0"))
        #expect(message.contains("-   0→* RequestVote term=1 last=0/0"))
        #expect(message.contains("+   0→* PreVote term=1 last=0/0"))
    }
}
