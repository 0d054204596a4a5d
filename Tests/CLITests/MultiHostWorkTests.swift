import Foundation
import Testing

/// `sweep --shell sim --hosts` and `check --hosts`: simulated work spread over namespace hosts gives
/// byte-for-byte what the same command gives on one machine, also when a host goes away mid-run.
@Suite("Simulated work spread over namespace hosts", .serialized, .enabled(if: NamespaceHosts.unavailable == nil,
                                                                            "\(NamespaceHosts.unavailable ?? "")"))
struct MultiHostWorkTests {
    static let sweep = ["sweep", "--protocols", "raft,pbft", "--faults", "1-3", "--ops", "300", "--quiet"]

    @Test("a sweep spread over hosts writes the same CSV as on one machine, though a host dies mid-run and its points run elsewhere")
    func sweepSurvivesADeadHost() throws {
        let hosts = try NamespaceHosts(count: 3)
        defer { hosts.close() }
        let local = CLIRunner.temporaryDirectory("spread-sweep-local"), spread = CLIRunner.temporaryDirectory("spread-sweep-hosts")
        let here = try CLIRunner.run(Self.sweep + ["--out", local])
        #expect(here.status == 0, "\(here.stderr)")
        let started = try CLIRunner.start(Self.sweep + ["--out", spread, "--hosts", hosts.hostsFile])
        // Host 2 dies while a point runs on it: sshd, the session and the worker all at once.
        #expect(hosts.awaitProcess(on: 2, withArgument: "--worker-points"))
        hosts.killHost(2)
        let there = CLIRunner.finish(started)
        #expect(there.status == 0, "\(there.stderr)")
        #expect(there.stderr.contains("host root@\(hosts.address(2)) failed"), "\(there.stderr)")
        #expect(there.stderr.contains("its work goes to the other hosts"))
        for file in ["runs.csv", "messages.csv", "latency.csv", "timeseries.csv"] {
            let a = FileManager.default.contents(atPath: "\(local)/\(file)"), b = FileManager.default.contents(atPath: "\(spread)/\(file)")
            #expect(a != nil && a == b, "\(file) differs")
        }
        let manifest = try String(contentsOfFile: spread + "/manifest.json", encoding: .utf8)
        #expect(manifest.contains("\"ran_on\" : \"root@\(hosts.address(1))\""))
    }

    @Test("a fault search spread over hosts gives the same verdicts, though one host's sshd stops mid-run")
    func checkSurvivesAStoppedSSHD() throws {
        let hosts = try NamespaceHosts(count: 3)
        defer { hosts.close() }
        let arguments = ["check", "--protocol", "raft", "--seeds", "1-60"]
        let here = try CLIRunner.run(arguments)
        #expect(here.status == 0, "\(here.stderr)")
        let started = try CLIRunner.start(arguments + ["--hosts", hosts.hostsFile])
        // New sessions to host 1 are refused from now on; the ones already open finish.
        #expect(hosts.awaitProcess(on: 1, withArgument: "--worker"))
        hosts.stopSSHD(1)
        let there = CLIRunner.finish(started)
        #expect(there.status == 0, "\(there.stderr)")
        #expect(there.stderr.contains("host root@\(hosts.address(1)) failed"), "\(there.stderr)")
        // Every line but the timing at the end is the same.
        let verdicts = { (text: String) in text.split(separator: "\n").dropLast() }
        #expect(verdicts(here.stdout) == verdicts(there.stdout))
        #expect(verdicts(there.stdout).count == 60)
        #expect(hosts.leftoverNodes().isEmpty)
    }
}
