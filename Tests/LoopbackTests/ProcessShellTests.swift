import Checker
import ConsensusCore
import ShellKit
import Foundation
import Harness
import Loopback
import Raft
import Testing
import Workload

/// `--shell process`: one `consensus-bench node` process per replica. These tests need the
/// consensus-bench executable of this build with its `node` command.
@Suite("Process shell", .serialized)
struct ProcessShellTests {
    /// The consensus-bench executable next to this test bundle (the parent of a process-shell run).
    static let executable: String? = {
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let candidate = bundle.appendingPathComponent("consensus-bench").path
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }()

    /// What runs the nodes: `CONSENSUS_BENCH_EXECUTABLE` if set, else that consensus-bench if it has the `node` command.
    static let nodeExecutable: String? = {
        if let given = ProcessInfo.processInfo.environment["CONSENSUS_BENCH_EXECUTABLE"] { return given }
        guard let candidate = executable else { return nil }
        let probe = Process()
        let output = Pipe()
        probe.executableURL = URL(fileURLWithPath: candidate)
        probe.arguments = ["--help"]
        probe.standardOutput = output
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return nil }
        let help = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        probe.waitUntilExit()
        return help.contains("\n  node ") ? candidate : nil
    }()
    static let available = executable != nil && nodeExecutable != nil
    static let skipReason: Comment = "needs the consensus-bench executable with its `node` command (register NodeCommand), or CONSENSUS_BENCH_EXECUTABLE naming one"

    static func spec(duration: Interval = .milliseconds(1200)) -> ExperimentSpec {
        var spec = ExperimentSpec()
        spec.shell = "process"
        spec.protocolName = "raft"
        spec.nodes = 3
        spec.seed = 3
        spec.workload.clients = 8
        spec.warmup = .milliseconds(300)
        spec.duration = duration
        spec.quietPeriod = .milliseconds(400)
        return spec
    }

    func run(_ spec: ExperimentSpec) throws -> RunResult {
        let previous = ProcessInfo.processInfo.environment["CONSENSUS_BENCH_EXECUTABLE"]
        setenv("CONSENSUS_BENCH_EXECUTABLE", Self.nodeExecutable!, 1)
        defer { if previous == nil { unsetenv("CONSENSUS_BENCH_EXECUTABLE") } }
        return try ResolvedExperiment(spec).run()
    }

    @Test("a Raft cluster of three node processes commits, and no node process is left afterwards",
          .enabled(if: available, skipReason), .timeLimit(.minutes(1)))
    func commitsAndReaps() throws {
        let result = try run(Self.spec())
        #expect(result.ops > 100, "only \(result.ops) operations completed")
        #expect(result.violations.isEmpty, "\(result.violations)")
        #expect(result.linearizable == "true", "\(result.linearizabilityDetail ?? "")")
        #expect(abs(result.messagesPerOp - 6) < 0.3, "\(result.messagesPerOp)")
        #expect(nodeProcesses(childrenOf: getpid()).isEmpty, "node processes left behind: \(nodeProcesses(childrenOf: getpid()))")
    }

    @Test("--allocator jemalloc runs every node process with Debian's jemalloc preloaded, and the result says so",
          .enabled(if: available && (try? Allocator.jemalloc.preload()) != nil, "needs libjemalloc.so.2 (apt-get install libjemalloc-dev)"),
          .timeLimit(.minutes(1)))
    func jemallocNodes() throws {
        var spec = Self.spec()
        spec.allocator = .jemalloc
        let result = try run(spec)
        #expect(result.ops > 100 && result.violations.isEmpty, "\(result.ops) operations, \(result.violations)")
        #expect(result.nodeAllocators == ["jemalloc", "jemalloc", "jemalloc"], "\(result.nodeAllocators)")
        #expect(try run(Self.spec()).nodeAllocators == ["system", "system", "system"])
    }

    @Test("a node process killed mid-run is reaped; the rest keep committing, and none is left afterwards",
          .enabled(if: available, skipReason), .timeLimit(.minutes(1)))
    func nodeCrash() throws {
        var spec = Self.spec(duration: .milliseconds(1500))
        spec.faultSchedule = [try FaultParsing.crash("leader@700ms")]
        let result = try run(spec)
        #expect(result.faultLog.contains { $0.contains("killed") }, "\(result.faultLog)")
        #expect(result.leaderChanges >= 1)
        #expect(result.violations.isEmpty, "\(result.violations)")
        #expect(result.linearizable == "true", "\(result.linearizabilityDetail ?? "")")
        #expect(result.timeseries.last.map { $0.completedOps > 0 } == true, "\(result.timeseries)")
        #expect(nodeProcesses(childrenOf: getpid()).isEmpty, "node processes left behind: \(nodeProcesses(childrenOf: getpid()))")
    }

    @Test("SIGINT to the parent kills and reaps every node process, and the parent exits 130",
          .enabled(if: available, skipReason), .timeLimit(.minutes(1)))
    func interruptedParent() throws {
        let (parent, nodes, out) = try startParent()
        defer { try? FileManager.default.removeItem(atPath: out) }
        kill(parent.processIdentifier, SIGINT)
        parent.waitUntilExit()
        #expect(parent.terminationStatus == 130)
        usleep(100_000)
        let alive = nodes.filter { isRunning($0) }
        #expect(alive.isEmpty, "node processes still running after SIGINT to the parent: \(alive)")
    }

    @Test("a parent killed outright (SIGKILL) leaves no node process: each exits when its stdin pipe closes",
          .enabled(if: available, skipReason), .timeLimit(.minutes(1)))
    func killedParent() throws {
        let (parent, nodes, out) = try startParent()
        defer { try? FileManager.default.removeItem(atPath: out) }
        kill(parent.processIdentifier, SIGKILL)
        parent.waitUntilExit()
        var alive = nodes
        for _ in 0 ..< 100 where !alive.isEmpty {
            usleep(20_000)
            alive = alive.filter { isRunning($0) }
        }
        #expect(alive.isEmpty, "node processes still running 2 s after their parent was killed: \(alive)")
    }

    @Test("a follower process killed with SIGKILL and restarted from its journal loses no committed operation",
          .enabled(if: available, skipReason), .timeLimit(.minutes(1)))
    func followerRestartFromJournal() throws {
        var spec = Self.spec(duration: .milliseconds(1500))
        spec.quietPeriod = .milliseconds(600)
        spec.faultSchedule = [try FaultParsing.crash("2@600ms"), try FaultParsing.restart("2@1000ms")]
        let result = try run(spec)
        #expect(result.faultLog.contains { $0.contains("crash 2: process") && $0.contains("killed") }, "\(result.faultLog)")
        // The restarted node found the journal its first life wrote.
        #expect(result.faultLog.contains { $0.contains("restart 2: process") && $0.contains("journal-2.wal") && !$0.contains("(0 bytes)") },
                "\(result.faultLog)")
        #expect(!result.faultLog.contains { $0.contains("left no report") }, "\(result.faultLog)")
        #expect(result.ops > 100, "only \(result.ops) operations completed")
        // Agreement, validity, at-most-once and, after the quiet period, the restarted replica's store equal to the others'.
        #expect(result.violations.isEmpty, "\(result.violations)")
        #expect(result.linearizable == "true", "\(result.linearizabilityDetail ?? "")")
        #expect(nodeProcesses(childrenOf: getpid()).isEmpty, "node processes left behind: \(nodeProcesses(childrenOf: getpid()))")
    }

    @Test("a journal damaged in the middle while its node was down: the node refuses to start and the parent fails the run, leaving no process",
          .enabled(if: available, skipReason), .timeLimit(.minutes(1)))
    func damagedJournalFailsTheRun() throws {
        var template = ClusterFile(protocolName: "raft", replicas: [])
        template.faults = 1
        template.seed = 3
        var workload = WorkloadSpec()
        workload.clients = 4
        let start = Instant.zero + .milliseconds(200)
        let window = RunWindow(start: start, end: start + .milliseconds(1200))
        let options = Loopback.Options()
        let faults: [(at: Instant, fault: Fault)] = [(Instant.zero + .milliseconds(500), .crash(.node(NodeID(1)))),
                                                              (Instant.zero + .milliseconds(700), .restart(.node(NodeID(1))))]
        var truncated: String?
        do {
            _ = try Loopback.runProcesses(Raft.Replica.self, template: template, cluster: ClusterConfig(replicaCount: 3, faultTolerance: 1),
                                          settings: Raft.Settings(), workload: workload, window: window, quietPeriod: .milliseconds(200),
                                          faults: faults, executable: Self.nodeExecutable!, options: options) { statePath in
                // One byte flipped a third of the way in: a record with more after it fails its checksum
                // (a cut-short tail would be a torn write, dropped with a note instead).
                var bytes = (try? Data(contentsOf: URL(fileURLWithPath: statePath))) ?? Data()
                if bytes.count > 64 { bytes[bytes.count / 3] ^= 0xFF }
                try? bytes.write(to: URL(fileURLWithPath: statePath))
                truncated = statePath
            }
            Issue.record("the run went on with a node that could not start")
        } catch let error as LoopbackError {
            #expect(error.description.contains("replica 1 exited when restarted"), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
        #expect(truncated != nil)
        #expect(nodeProcesses(childrenOf: getpid()).isEmpty, "node processes left behind: \(nodeProcesses(childrenOf: getpid()))")
    }

    @Test("consensus-bench node with a damaged --state journal exits non-zero with one line naming the file",
          .enabled(if: available, skipReason), .timeLimit(.minutes(1)))
    func nodeRefusesDamagedJournal() throws {
        let directory = NSTemporaryDirectory() + "consensus-bench-damaged-state-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clusterPath = directory + "/cluster.json"
        let statePath = directory + "/journal-0.wal"
        try ClusterFile(protocolName: "raft", replicas: (0 ..< 3).map { ClusterFile.Member(id: $0, host: "127.0.0.1", port: 7300 + $0) })
            .save(to: clusterPath)
        try Data("CBWJ and then nothing useful".utf8).write(to: URL(fileURLWithPath: statePath))
        let node = Process()
        let errors = Pipe()
        node.executableURL = URL(fileURLWithPath: Self.nodeExecutable!)
        node.arguments = ["node", "--id", "0", "--cluster", clusterPath, "--state", statePath]
        node.standardOutput = FileHandle.nullDevice
        node.standardError = errors
        try node.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        node.waitUntilExit()
        #expect(node.terminationStatus != 0)
        let lines = stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains(statePath), "\(stderr)")
    }

    /// Starts `consensus-bench run --shell process` and waits until its three node processes run.
    func startParent() throws -> (Process, [Int32], String) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("process-shell-parent-\(getpid())").path
        let parent = Process()
        parent.executableURL = URL(fileURLWithPath: Self.executable!)
        parent.arguments = ["run", "--protocol", "raft", "--nodes", "3", "--shell", "process", "--duration", "30s", "--out", out]
        parent.standardOutput = FileHandle.nullDevice
        parent.standardError = FileHandle.nullDevice
        var environment = ProcessInfo.processInfo.environment
        environment["CONSENSUS_BENCH_EXECUTABLE"] = Self.nodeExecutable!
        parent.environment = environment
        try parent.run()
        var nodes: [Int32] = []
        for _ in 0 ..< 200 where nodes.count < 3 {
            usleep(25_000)
            nodes = childProcesses(of: parent.processIdentifier)
        }
        #expect(nodes.count == 3, "the parent started \(nodes.count) node processes")
        usleep(300_000)
        return (parent, nodes, out)
    }
}

/// Pids whose parent is `pid` (from /proc).
func childProcesses(of pid: Int32) -> [Int32] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    return entries.compactMap { name -> Int32? in
        guard let child = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 2, fields[0] != "Z", Int32(fields[1]) == pid else { return nil }
        return child
    }
}

/// The children of `pid` that run `consensus-bench node`. Other suites run beside this one and start
/// processes of their own from the same test process (the CLI tests' `consensus-bench run`, …), so a
/// check for left-behind nodes looks at node processes only.
func nodeProcesses(childrenOf pid: Int32) -> [Int32] {
    childProcesses(of: pid).filter { child in
        guard let data = FileManager.default.contents(atPath: "/proc/\(child)/cmdline") else { return false }
        let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return arguments.count > 1 && arguments[1] == "node"
    }
}

/// True while `pid` exists and is not a zombie.
func isRunning(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
    return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
}
