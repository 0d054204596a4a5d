import Crypto
import Foundation
import Report
import Testing

/// `--shell process --hosts`: node processes on other hosts over ssh, here network-namespace hosts
/// (`NamespaceHosts`), checked for the same things as a local process run.
@Suite("Node processes on namespace hosts over ssh", .serialized, .enabled(if: NamespaceHosts.unavailable == nil,
                                                                           "\(NamespaceHosts.unavailable ?? "")"))
struct MultiHostProcessTests {
    static func run(_ arguments: [String], out: String) throws -> (CLIRunner.Outcome, CSVTable?) {
        let outcome = try CLIRunner.run(arguments + ["--out", out])
        return (outcome, try? CSVTable.load(path: out + "/runs.csv"))
    }

    @Test("Raft n=3 and PBFT n=4 spread over namespace hosts are linearizable and send what they send on one host",
          arguments: [("raft", 3), ("pbft", 4)])
    func spreadRunMatchesLocal(protocolName: String, nodes: Int) throws {
        let hosts = try NamespaceHosts(count: 4)
        defer { hosts.close() }
        let common = ["run", "--shell", "process", "--protocol", protocolName, "--nodes", String(nodes), "--duration", "2s", "--clients", "8"]
        let (remote, remoteRuns) = try Self.run(common + ["--hosts", hosts.hostsFile], out: CLIRunner.temporaryDirectory("hosts-\(protocolName)"))
        #expect(remote.status == 0, "\(remote.stderr)")
        let (local, localRuns) = try Self.run(common, out: CLIRunner.temporaryDirectory("hosts-local-\(protocolName)"))
        #expect(local.status == 0, "\(local.stderr)")
        let r = try #require(remoteRuns), l = try #require(localRuns)
        try #require(r.rows.count == 1 && l.rows.count == 1)
        #expect(r.value(row: 0, column: "linearizable") == "true")
        #expect(r.value(row: 0, column: "violations") == "0")
        #expect(Int(r.value(row: 0, column: "ops") ?? "") ?? 0 > 100)
        let remotePerOp = try #require(Double(r.value(row: 0, column: "messages_per_op") ?? ""))
        let localPerOp = try #require(Double(l.value(row: 0, column: "messages_per_op") ?? ""))
        #expect(abs(remotePerOp - localPerOp) / localPerOp < 0.02, "messages/op \(remotePerOp) over hosts, \(localPerOp) on one")
        #expect(hosts.leftoverNodes().isEmpty)
    }

    @Test("the load split over generators on two hosts merges into one linearizable history with distinct client ids")
    func generatorsOnTwoHosts() throws {
        let hosts = try NamespaceHosts(count: 3)
        defer { hosts.close() }
        let file = try hosts.hostsFile(named: "generators.yaml", entries: [
            "{ssh: root@\(hosts.address(1)), address: \(hosts.address(1))}",
            "{ssh: root@\(hosts.address(2)), address: \(hosts.address(2)), generator: true}",
            "{ssh: root@\(hosts.address(3)), address: \(hosts.address(3)), generator: true, replicas: []}",
        ])
        let out = CLIRunner.temporaryDirectory("hosts-generators")
        let (outcome, runs) = try Self.run(["run", "--shell", "process", "--protocol", "raft", "--nodes", "3", "--duration", "2s", "--clients", "7",
                                            "--history", "--hosts", file], out: out)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let table = try #require(runs)
        try #require(table.rows.count == 1)
        #expect(table.value(row: 0, column: "linearizable") == "true")
        #expect(Int(table.value(row: 0, column: "ops") ?? "") ?? 0 > 100)
        // Generator 0 has clients 0, 2, 4, 6 and generator 1 has 1, 3, 5: all seven show up in the merged history.
        let history = try String(contentsOfFile: out + "/history.jsonl", encoding: .utf8)
        var clients = Set<Int>()
        for line in history.split(separator: "\n") {
            if let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let c = object["client"] as? Int { clients.insert(c) }
        }
        #expect(clients == Set(0 ..< 7))
        let manifest = try String(contentsOfFile: out + "/manifest.json", encoding: .utf8)
        #expect(manifest.contains("root@\(hosts.address(3)): generator 1; clock offset"), "\(manifest)")
        #expect(hosts.leftoverNodes().isEmpty)
    }

    @Test("a node SIGKILLed on its host restarts there from its journal, and no node is left on any host")
    func remoteCrashAndRestart() throws {
        let hosts = try NamespaceHosts(count: 3)
        defer { hosts.close() }
        let (outcome, runs) = try Self.run(["run", "--shell", "process", "--protocol", "raft", "--nodes", "3", "--duration", "3s", "--clients", "8",
                                            "--crash", "leader@1s", "--restart", "leader@2s", "--hosts", hosts.hostsFile],
                                           out: CLIRunner.temporaryDirectory("hosts-crash"))
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("crash leader (node"), "\(outcome.stdout)")
        let restart = outcome.stdout.split(separator: "\n").first { $0.contains("restart leader") } ?? ""
        #expect(restart.contains("started from /tmp/consensus-bench-run-") && restart.contains("bytes)"), "\(restart)")
        #expect(restart.contains(" on root@\(hosts.subnet)."), "\(restart)")
        let table = try #require(runs)
        try #require(table.rows.count == 1)
        #expect(table.value(row: 0, column: "linearizable") == "true")
        #expect(table.value(row: 0, column: "violations") == "0")
        #expect(hosts.leftoverNodes().isEmpty)
    }

    @Test("a parent killed with SIGKILL leaves no consensus-bench process on any host")
    func parentKilled() throws {
        let hosts = try NamespaceHosts(count: 3)
        defer { hosts.close() }
        let started = try CLIRunner.start(["run", "--shell", "process", "--protocol", "pbft", "--nodes", "4", "--duration", "30s",
                                           "--hosts", hosts.hostsFile, "--out", CLIRunner.temporaryDirectory("hosts-parent-killed")])
        // Wait until every node runs on its host.
        let deadline = Date().addingTimeInterval(30)
        while hosts.processes().filter({ $0.hasPrefix("consensus-") }).count < 4 && Date() < deadline { usleep(100_000) }
        #expect(hosts.processes().filter { $0.hasPrefix("consensus-") }.count == 4)
        kill(started.0.processIdentifier, SIGKILL)
        _ = CLIRunner.finish(started)
        #expect(hosts.leftoverNodes(within: 15).isEmpty, "left on the hosts: \(hosts.processes())")
    }

    @Test("--push-binary copies this build to hosts that lack it, and the run goes ahead with it")
    func pushBinary() throws {
        let hosts = try NamespaceHosts(count: 2)
        defer { hosts.close() }
        let missing = hosts.directory + "/nowhere/consensus-bench"
        let file = try hosts.hostsFile(named: "push.yaml", entries: (1 ... 2).map {
            "{ssh: root@\(hosts.address($0)), address: \(hosts.address($0)), binary: \(missing)}"
        })
        // The pushed copy goes where every later run finds it: ~/.cache/consensus-bench/<the build's SHA-256, 16 digits>/
        // (the namespace hosts share this machine's files: an earlier push is removed first).
        let build = try #require(FileManager.default.contents(atPath: CLIRunner.executable))
        let digest = SHA256.hash(data: build).map { String(format: "%02x", $0) }.joined()
        let pushed = NSHomeDirectory() + "/.cache/consensus-bench/\(digest.prefix(16))"
        try? FileManager.default.removeItem(atPath: pushed)
        let (outcome, runs) = try Self.run(["run", "--shell", "process", "--protocol", "raft", "--nodes", "3", "--duration", "1s",
                                            "--hosts", file, "--push-binary"], out: CLIRunner.temporaryDirectory("hosts-push"))
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(runs?.value(row: 0, column: "linearizable") == "true")
        #expect(FileManager.default.contents(atPath: pushed + "/consensus-bench") == build)
        #expect(hosts.leftoverNodes().isEmpty)
    }

    @Test("bad hosts: each is one line naming the host, a non-zero exit, and nothing left running")
    func badHosts() throws {
        let hosts = try NamespaceHosts(count: 2)
        defer { hosts.close() }
        let good = "{ssh: root@\(hosts.address(1)), address: \(hosts.address(1))}"
        let second = "{ssh: root@\(hosts.address(2)), address: \(hosts.address(2))}"
        // A key the hosts do not know, in an ssh config of its own.
        let wrongKey = hosts.directory + "/wrong_ed25519"
        _ = NamespaceHosts.shell(["/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", wrongKey])
        let wrongConfig = hosts.directory + "/wrong_ssh_config"
        try (try String(contentsOfFile: hosts.sshConfig, encoding: .utf8)).replacingOccurrences(of: hosts.directory + "/id_ed25519", with: wrongKey)
            .write(toFile: wrongConfig, atomically: true, encoding: .utf8)
        // A consensus-bench of another build.
        let other = hosts.directory + "/other-consensus-bench"
        try "#!/bin/sh\necho consensus-bench 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef cores 2\n"
            .write(toFile: other, atomically: true, encoding: .utf8)
        chmod(other, 0o755)
        let malformed = hosts.directory + "/malformed.yaml"
        try "hosts: [ {ssh: root@x, address: \n".write(toFile: malformed, atomically: true, encoding: .utf8)
        let cases: [(String, String, String)] = [
            ("unreachable", try hosts.hostsFile(named: "unreachable.yaml", entries: [good, "{ssh: root@\(hosts.subnet).250, address: \(hosts.subnet).250}"]),
             "root@\(hosts.subnet).250: not reachable over ssh"),
            ("wrong key", try hosts.hostsFile(named: "wrong-key.yaml", entries: [good], sshConfig: wrongConfig), "root@\(hosts.address(1)): not reachable over ssh"),
            ("another build", try hosts.hostsFile(named: "other.yaml", entries: [good, "{ssh: root@\(hosts.address(2)), address: \(hosts.address(2)), binary: \(other)}"]),
             "root@\(hosts.address(2)): \(other) is another build"),
            ("listed twice", try hosts.hostsFile(named: "twice.yaml", entries: [good, second, good]), "host root@\(hosts.address(1)) is listed twice"),
            ("malformed", malformed, "is not valid YAML"),
            ("too few hosts", try hosts.hostsFile(named: "few.yaml", entries: [
                "{ssh: root@\(hosts.address(1)), address: \(hosts.address(1)), replicas: [0, 1]}",
                "{ssh: root@\(hosts.address(2)), address: \(hosts.address(2)), replicas: [2]}"]),
             "replica 3 has no host"),
        ]
        for (name, file, expected) in cases {
            let outcome = try CLIRunner.run(["run", "--shell", "process", "--protocol", "pbft", "--nodes", "4", "--duration", "1s",
                                             "--hosts", file, "--out", CLIRunner.temporaryDirectory("hosts-bad")])
            #expect(outcome.status != 0, "\(name): exit \(outcome.status)")
            let lines = outcome.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(name): \(outcome.stderr)")
            #expect(outcome.stderr.contains(expected), "\(name): \(outcome.stderr)")
            #expect(hosts.leftoverNodes(within: 0).isEmpty, "\(name)")
        }
    }
}
