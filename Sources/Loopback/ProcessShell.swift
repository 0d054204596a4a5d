import ConsensusCore
import Foundation
import NIOCore
import Workload

extension ClusterFile {
    /// Reads a cluster file (JSON).
    public static func load(_ path: String) throws -> ClusterFile {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw LoopbackError("cannot read cluster file \(path): \(error.localizedDescription)")
        }
        do { return try JSONDecoder().decode(ClusterFile.self, from: data) } catch {
            throw LoopbackError("cluster file \(path) is not valid: \(error)")
        }
    }

    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    }
}

extension Loopback {
    /// What the process shell's parent gathered: its generator's records and counts, and every node's
    /// report files.
    public struct ProcessRun: Sendable {
        public var generator: GeneratorReport
        public var replicas: [ReplicaReport]
        public var faultLog: [String]
    }

    /// The process shell's parent (`--shell process`): picks free ports, writes the cluster file, starts
    /// one `consensus-bench node` process per replica (`executable`), runs the load generator here
    /// against them from the shared run time zero, kills nodes at the scheduled crash times, and after
    /// the window and the quiet period stops every node (SIGTERM) and reads their reports. Node processes
    /// are killed and reaped on every way out: success, a thrown error, SIGINT, and (through their stdin
    /// pipe) the parent's own death.
    public static func runProcesses<R: Replica>(_ type: R.Type, template: ClusterFile, cluster: ClusterConfig, settings: R.Settings,
                                                workload: WorkloadSpec, window: RunWindow, quietPeriod: Interval,
                                                crashes: [(at: Instant, target: Fault.Target)], executable: String,
                                                options: Options, startupAllowance: Interval = .seconds(1.5)) throws -> ProcessRun {
        let n = cluster.replicaCount
        let host = LoopbackCluster<R>.connectHost(for: options.bindHost)
        let ports = try freePorts(count: n, host: options.bindHost)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var file = template
        file.replicas = (0 ..< n).map { ClusterFile.Member(id: $0, host: host, port: ports[$0]) }
        let clock = RunClock(base: NIODeadline.now().uptimeNanoseconds + UInt64(startupAllowance.nanoseconds))
        file.clockBase = clock.base
        file.windowStartNanos = window.start.nanoseconds
        file.windowEndNanos = window.end.nanoseconds
        file.reportDirectory = directory
        var nodeFaults = file.nodeFaults ?? ClusterFile.NodeFaults()
        nodeFaults.heal.append("\(window.end.nanoseconds)ns")  // the quiet period begins healed
        file.nodeFaults = nodeFaults
        let path = directory + "/cluster.json"
        try file.save(to: path)

        let children = ChildProcesses()
        children.exitOnInterrupt { try? FileManager.default.removeItem(atPath: directory) }
        defer {
            children.killAll()
            children.stopHandlingInterrupts()
        }
        var pids: [pid_t] = []
        for i in 0 ..< n {
            pids.append(try children.spawn(executable, ["node", "--id", "\(i)", "--cluster", path, "--bind", options.bindHost, "--exit-with-parent"]))
        }
        let layout = Layout(localReplicas: [], generator: true, endpoints: file.replicas.map { Endpoint(host: $0.host, port: $0.port) },
                            clockBase: clock.base)
        let parent = try LoopbackCluster<R>(cluster: cluster, settings: settings, workload: workload, seed: file.seed,
                                            options: options, layout: layout)
        defer { parent.shutdown() }
        let started = pids
        try parent.start(window: window) {
            let running = Set(children.running)
            let gone = started.indices.filter { !running.contains(started[$0]) }
            return gone.isEmpty ? nil : "node process of replica \(gone.map(String.init).joined(separator: ", ")) exited during start-up"
        }

        var faultLog: [String] = []
        var killed = Set<Int>()
        for crash in crashes.sorted(by: { $0.at < $1.at }) where crash.at < window.end {
            try parent.sleep(until: crash.at, clock: clock)
            let target: Int?
            switch crash.target {
            case .node(let id): target = id.index
            case .leader: target = currentLeader(directory: directory, excluding: killed, replicaCount: n)
            }
            guard let node = target, !killed.contains(node) else {
                faultLog.append("\(clock.now()) crash \(crash.target) (nothing crashed)")
                continue
            }
            children.kill(pids[node])
            killed.insert(node)
            faultLog.append("\(clock.now()) crash \(crash.target)" + (crash.target == .leader ? " (node \(node))" : "") + ": process \(pids[node]) killed")
        }
        try parent.sleep(until: window.end, clock: clock)
        try parent.stopIssuing()
        try parent.sleep(for: quietPeriod)
        let generator = try parent.generatorReport()
        children.terminateAll(grace: .seconds(5))

        var replicas: [ReplicaReport] = []
        for i in 0 ..< n {
            var report: ReplicaReport
            if let bytes = try? ReportFile.read(ReportFile.reportPath(directory: directory, id: i)),
               let decoded = try? ReportFile.decode(bytes) {
                report = decoded
            } else {
                report = ReplicaReport(id: NodeID(i), counts: SendCounts(kindCount: R.Message.kindNames.count + 2), applied: [],
                                       restartsAt: [], leadership: [], persistCount: 0, isUp: false, byzantine: nil, store: [:], executedCount: 0)
                faultLog.append("node \(i) left no report")
            }
            if let applied = try? ReportFile.read(ReportFile.appliedPath(directory: directory, id: i)) {
                report.applied = ReportFile.decodeApplied(applied)
            }
            if killed.contains(i) { report.isUp = false }
            replicas.append(report)
        }
        return ProcessRun(generator: generator, replicas: replicas, faultLog: faultLog)
    }

    /// As the simulator's `currentLeader`, from the reports the live nodes wrote last.
    static func currentLeader(directory: String, excluding killed: Set<Int>, replicaCount: Int) -> Int? {
        var best: (id: Int, epoch: UInt64, at: Int64)?
        for i in 0 ..< replicaCount where !killed.contains(i) {
            guard let bytes = try? ReportFile.read(ReportFile.reportPath(directory: directory, id: i)),
                  let report = try? ReportFile.decode(bytes), let last = report.leadership.last else { continue }
            if best == nil || last.epoch > best!.epoch || (last.epoch == best!.epoch && last.at.nanoseconds > best!.at) {
                best = (i, last.epoch, last.at.nanoseconds)
            }
        }
        return best?.id
    }

    /// Removes `path` and everything under it, quietly.
    public static func removeDirectory(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    static func temporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/consensus-bench-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw LoopbackError("cannot create a temporary directory: errno \(errno)")
        }
        return String(cString: made)
    }
}
