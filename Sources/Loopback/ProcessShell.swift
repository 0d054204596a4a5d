import Checker
import ConsensusCore
import ShellKit
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
        /// What each node process ran with (`Allocator.inUse`, read from its memory map while it ran).
        public var allocators: [String] = []
        /// `--hosts`: per host, what it ran and its clock's measured offset from the parent's.
        public var hosts: [String] = []
    }

    /// The process shell's parent (`--shell process`): picks free ports, writes the cluster file, starts
    /// one `consensus-bench node` process per replica (`executable`), runs the load generator here
    /// against them from the shared run time zero, kills nodes (SIGKILL) at the scheduled crash times and
    /// starts them again at the restart times, and after the window and the quiet period stops every node
    /// (SIGTERM) and reads their reports. Node processes are killed and reaped on every way out: success,
    /// a thrown error, SIGINT, and (through their stdin pipe) the parent's own death.
    ///
    /// Every node appends its persists to its journal, `journal-I.wal` in the run's folder (`Journal`);
    /// a restarted node process recovers from it (and refuses to start if it is damaged, which fails the
    /// run). Each life of a node
    /// writes its own report files; a killed life's last `reportInterval` of counts and applied effects
    /// is lost with it. `faults` holds only `.crash` and `.restart`; `beforeRestart` (for tests) runs
    /// with the journal's path just before a node is started again.
    ///
    /// With a `placement` (`--hosts`), the replicas it puts on hosts run there over ssh (`RemoteSite`:
    /// a run folder, ports and a clock offset per host, every node in an ssh session of its own), and
    /// if it names generator hosts, `consensus-bench generate` runs there in place of the generator
    /// here, and their reports are merged (`GeneratorReportFile.merge`).
    ///
    /// Run time zero is `startupAllowance` after the nodes are spawned: long enough for a debug build's
    /// processes to start on a loaded 2-core machine (1.5 s was not: a CI run saw nodes come up after
    /// the window had closed, and no operation completed).
    public static func runProcesses<R: Replica>(_ type: R.Type, template: ClusterFile, cluster: ClusterConfig, settings: R.Settings,
                                                workload: WorkloadSpec, window: RunWindow, quietPeriod: Interval,
                                                faults: [(at: Instant, fault: Fault)], faultsEnd: Instant? = nil, executable: String,
                                                options: Options, placement: RemotePlacement? = nil, startupAllowance: Interval = .seconds(3),
                                                beforeRestart: ((String) -> Void)? = nil) throws -> ProcessRun {
        let n = cluster.replicaCount
        let host = LoopbackCluster<R>.connectHost(for: options.bindHost)
        // The hosts that run replicas or load generators, and which replicas each runs.
        let used = placement.map { p in p.hosts.indices.filter { p.hostOfReplica.contains($0) || p.generatorHosts.contains($0) } } ?? []
        let generatorSites = (placement?.generatorHosts ?? []).map { used.firstIndex(of: $0)! }
        let onHost = used.map { h in (0 ..< n).filter { placement!.hostOfReplica[$0] == h } }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sites = try RemoteSite.prepareAll(used.map { placement!.hosts[$0] }, portCounts: onHost.map(\.count), controlFolder: directory)
        defer {
            _ = try? concurrentMap(sites.indices) {
                sites[$0].removeFolder()
                sites[$0].closeMaster()
            }
        }
        // Replica i runs on host `siteOf[i]` of the placement, or here.
        let siteOf: [Int?] = (0 ..< n).map { i in placement.map { used.firstIndex(of: $0.hostOfReplica[i])! } }
        let localIDs = (0 ..< n).filter { siteOf[$0] == nil }
        let localPorts = try freePorts(count: localIDs.count, host: options.bindHost)
        var file = template
        file.replicas = (0 ..< n).map { i in
            if let h = siteOf[i] { return ClusterFile.Member(id: i, host: sites[h].host.address, port: sites[h].ports[onHost[h].firstIndex(of: i)!]) }
            return ClusterFile.Member(id: i, host: host, port: localPorts[localIDs.firstIndex(of: i)!])
        }
        let clock = RunClock(base: NIODeadline.now().uptimeNanoseconds + UInt64(startupAllowance.nanoseconds))
        file.clockBase = clock.base
        file.windowStartNanos = window.start.nanoseconds
        file.windowEndNanos = window.end.nanoseconds
        file.reportDirectory = directory
        var nodeFaults = file.nodeFaults ?? ClusterFile.NodeFaults()
        nodeFaults.heal.append("\(window.end.nanoseconds)ns")  // the quiet period begins healed
        file.nodeFaults = nodeFaults
        if !generatorSites.isEmpty {
            // The load is split over generator processes on their hosts; the file tells them all of it.
            file.generators = generatorSites.count
            file.load = ClusterFile.Load(workload)
            file.quietPeriodNanos = quietPeriod.nanoseconds
            file.faultsEndNanos = faultsEnd?.nanoseconds
        }
        let path = directory + "/cluster.json"
        try file.save(to: path)
        // Each host gets the file with its own run folder and run time zero on its own clock.
        _ = try concurrentMap(sites.indices) { h in
            var hostFile = file
            hostFile.reportDirectory = sites[h].directory
            hostFile.clockBase = UInt64(Int64(clock.base) + sites[h].clockOffset)
            try sites[h].write(try JSONEncoder().encode(hostFile), to: sites[h].directory + "/cluster.json")
        }
        /// Where replica i's files are: its host's run folder, or this one.
        func folder(_ i: Int) -> String { siteOf[i].map { sites[$0].directory } ?? directory }

        let children = ChildProcesses()
        children.exitOnInterrupt { try? FileManager.default.removeItem(atPath: directory) }
        defer {
            children.killAll()
            children.stopHandlingInterrupts()
        }
        var incarnations = Array(repeating: 0, count: n)
        func arguments(_ i: Int) -> [String] {
            ["--id", "\(i)", "--cluster", folder(i) + "/cluster.json", "--bind", siteOf[i].map { sites[$0].host.address } ?? options.bindHost,
             "--exit-with-parent", "--incarnation", "\(incarnations[i])", "--state", Journal.path(directory: folder(i), id: i)]
        }
        let preload = try options.allocator.preload()
        let ssh = sites.isEmpty ? "" : try SSH.executable()
        func spawn(_ i: Int) throws -> pid_t {
            if let h = siteOf[i] {
                // A session of its own, not through the master: its end is this node's end alone.
                var direct = sites[h].host
                direct.controlPath = nil
                return try children.spawn(ssh, direct.sshArguments(sites[h].nodeCommand(id: i, incarnation: incarnations[i], arguments: arguments(i),
                                                                                          preload: preload)))
            }
            return try children.spawn(executable, ["node"] + arguments(i), environment: preload.map { ["LD_PRELOAD": $0] } ?? [:])
        }
        /// The files `paths(i)` of each replica in `ids`, read here or fetched from its host (one ssh per
        /// host); throws if a host cannot be asked.
        func read(_ ids: [Int], _ paths: (Int) -> [String]) throws -> [Int: [[UInt8]?]] {
            var found: [Int: [[UInt8]?]] = [:]
            var wanted: [Int: [String]] = [:]
            for i in ids { wanted[i] = paths(i) }
            for i in ids where siteOf[i] == nil { found[i] = wanted[i]!.map { try? ReportFile.read($0) } }
            let fetched = try concurrentMap(sites.indices) { h -> [Int: [[UInt8]?]] in
                let mine = ids.filter { siteOf[$0] == h }
                guard !mine.isEmpty else { return [:] }
                let files = try sites[h].read(mine.flatMap { wanted[$0]! })
                var byID: [Int: [[UInt8]?]] = [:]
                var at = 0
                for i in mine {
                    let count = wanted[i]!.count
                    byID[i] = Array(files[at ..< at + count])
                    at += count
                }
                return byID
            }
            for part in fetched { found.merge(part) { a, _ in a } }
            return found
        }
        var pids: [pid_t] = []
        for i in 0 ..< n { pids.append(try spawn(i)) }
        // Generator k on its host: `consensus-bench generate`, in a session of its own like a node's.
        let generatorPids = try generatorSites.enumerated().map { k, h in
            var direct = sites[h].host
            direct.controlPath = nil
            let command = "exec " + [direct.binary, "generate", "--id", "\(k)", "--cluster", sites[h].directory + "/cluster.json",
                                     "--report", GeneratorReportFile.path(directory: sites[h].directory, id: k), "--exit-with-parent"]
                .map(SSH.quote).joined(separator: " ")
            return try children.spawn(ssh, direct.sshArguments(command))
        }
        // With generators elsewhere, the parent here only keeps the clock and the fault schedule.
        let layout = Layout(localReplicas: [], generator: generatorSites.isEmpty, endpoints: file.replicas.map { Endpoint(host: $0.host, port: $0.port) },
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
        var lastCrashedLeader: Int?
        let ordered = faults.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        for (at, fault) in ordered where at < window.end {
            try parent.sleep(until: at, clock: clock)
            switch fault {
            case .crash(let crashTarget):
                let target: Int?
                switch crashTarget {
                case .node(let id): target = id.index
                case .leader:
                    let live = (0 ..< n).filter { !killed.contains($0) }
                    let reports = try read(live) { [ReportFile.reportPath(directory: folder($0), id: $0, incarnation: incarnations[$0])] }
                    target = currentLeader(live.map { ($0, reports[$0]?.first ?? nil) })
                }
                guard let node = target, !killed.contains(node) else {
                    faultLog.append("\(clock.now()) crash \(crashTarget) (nothing crashed)")
                    continue
                }
                if let h = siteOf[node] { try sites[h].kill(node, incarnation: incarnations[node]) }
                children.kill(pids[node])
                killed.insert(node)
                if crashTarget == .leader { lastCrashedLeader = node }
                faultLog.append("\(clock.now()) crash \(crashTarget)" + (crashTarget == .leader ? " (node \(node))" : "") + ": process \(pids[node]) killed")
            case .restart(let restartTarget):
                let target: Int?
                switch restartTarget {
                case .node(let id): target = id.index
                case .leader: target = lastCrashedLeader
                }
                guard let node = target, killed.contains(node) else {
                    faultLog.append("\(clock.now()) restart \(restartTarget) (nothing to restart)")
                    continue
                }
                let statePath = Journal.path(directory: folder(node), id: node)
                let stateSize: Int?
                if let h = siteOf[node] {
                    stateSize = try sites[h].size(of: statePath)
                } else {
                    beforeRestart?(statePath)
                    stateSize = (try? FileManager.default.attributesOfItem(atPath: statePath))?[.size] as? Int
                }
                incarnations[node] += 1
                pids[node] = try spawn(node)
                killed.remove(node)
                let limit = startupAllowance + .seconds(5)
                if let h = siteOf[node] {
                    let report = ReportFile.reportPath(directory: folder(node), id: node, incarnation: incarnations[node])
                    guard sites[h].await(report, whileNodeLives: node, incarnation: incarnations[node], limit: limit) else {
                        throw LoopbackError("node process of replica \(node) on host \(sites[h].host) did not come up again from its journal within \(limit)")
                    }
                } else {
                    try awaitReport(directory: directory, id: node, incarnation: incarnations[node], pid: pids[node], children: children, limit: limit)
                }
                let place = siteOf[node].map { "on \(sites[$0].host) " } ?? ""
                faultLog.append("\(clock.now()) restart \(restartTarget)" + (restartTarget == .leader ? " (node \(node))" : "")
                                + ": process \(pids[node]) \(place)started from " + (stateSize.map { "\(statePath) (\($0) bytes)" } ?? "nothing (no journal)"))
            default:
                throw LoopbackError("the process shell's parent injects crashes and restarts only, not '\(fault)'")
            }
        }
        try parent.sleep(until: window.end, clock: clock)
        var allocators = pids.map { Allocator.inUse(pid: $0) ?? "unknown (the process had exited)" }
        for (h, ids) in onHost.enumerated() where !ids.isEmpty {
            for (i, allocator) in zip(ids, sites[h].allocators(ids.map { ($0, incarnations[$0]) })) { allocators[i] = allocator }
        }
        try parent.stopIssuing()
        // The quiet period begins once every scheduled fault (the nodes' own too) has fired.
        if let faultsEnd, faultsEnd >= clock.now() { try parent.sleep(until: faultsEnd + .milliseconds(1), clock: clock) }
        try parent.sleep(for: quietPeriod)
        var generator = try parent.generatorReport()
        if !generatorSites.isEmpty {
            // Each generator reports once it has waited out the quiet period on its own clock.
            children.awaitExit(of: generatorPids, grace: .seconds(30))
            var reports: [GeneratorReport] = []
            for (k, h) in generatorSites.enumerated() {
                let path = GeneratorReportFile.path(directory: sites[h].directory, id: k)
                guard let bytes = try sites[h].read([path]).first ?? nil else {
                    throw LoopbackError("load generator \(k) on host \(sites[h].host) wrote no report (its error, if any, is above)")
                }
                do { reports.append(try GeneratorReportFile.decode(bytes)) } catch {
                    throw LoopbackError("load generator \(k) on host \(sites[h].host) wrote a damaged report: \(error)")
                }
            }
            generator = GeneratorReportFile.merge(reports)!
        }
        // Remote nodes get their SIGTERM on their hosts and their ssh sessions end with them; ending a
        // session first would make its node remove the run folder, reports and all.
        // Their reports are fetched before anything here ends a session.
        let lifePaths = { (i: Int) -> [String] in
            (0 ... incarnations[i]).flatMap { life in
                [ReportFile.reportPath(directory: folder(i), id: i, incarnation: life), ReportFile.appliedPath(directory: folder(i), id: i, incarnation: life)]
            }
        }
        var files: [Int: [[UInt8]?]] = [:]
        if !sites.isEmpty {
            _ = try concurrentMap(onHost.indices) { h in
                sites[h].terminateNodes(onHost[h].filter { !killed.contains($0) }.map { ($0, incarnations[$0]) })
            }
            children.awaitExit(of: (0 ..< n).filter { siteOf[$0] != nil }.map { pids[$0] }, grace: .seconds(10))
            files = try read((0 ..< n).filter { siteOf[$0] != nil }, lifePaths)
        }
        children.terminateAll(grace: .seconds(5))
        files.merge(try read(localIDs, lifePaths)) { a, _ in a }
        var replicas: [ReplicaReport] = []
        for i in 0 ..< n {
            var lives: [ReplicaReport] = []
            for life in 0 ... incarnations[i] {
                var report: ReplicaReport
                let reportBytes = files[i]?[2 * life] ?? nil
                if let bytes = reportBytes, let decoded = try? ReportFile.decode(bytes) {
                    report = decoded
                } else {
                    report = ReplicaReport(id: NodeID(i), counts: MessageCounts(protocolKinds: R.Message.kindNames), applied: [],
                                           restartsAt: [], leadership: [], persistCount: 0, isUp: false, byzantine: nil, store: [:], executedCount: 0)
                    faultLog.append("node \(i)" + (life == 0 ? "" : " (life \(life))") + " left no report")
                }
                if let applied = files[i]?[2 * life + 1] ?? nil {
                    report.applied = ReportFile.decodeApplied(applied)
                }
                lives.append(report)
            }
            var report = ReplicaReport.joining(lives)
            if killed.contains(i) { report.isUp = false }
            replicas.append(report)
        }
        let hostNotes = sites.indices.map { h in
            let runs = onHost[h].map { "replica \($0)" } + generatorSites.indices.filter { generatorSites[$0] == h }.map { "generator \($0)" }
            return "\(sites[h].host): \(runs.joined(separator: ", ")); clock offset \(sites[h].clockOffset / 1000) us ± \(sites[h].clockUncertainty / 1000) us"
        }
        return ProcessRun(generator: generator, replicas: replicas, faultLog: faultLog, allocators: allocators, hosts: hostNotes)
    }

    /// Waits until life `incarnation` of node `id` wrote its first report (it is up); throws if the
    /// process exits first (say, its journal was damaged: its own error line is on stderr) or `limit` passes.
    static func awaitReport(directory: String, id: Int, incarnation: Int, pid: pid_t, children: ChildProcesses, limit: Interval) throws {
        let path = ReportFile.reportPath(directory: directory, id: id, incarnation: incarnation)
        let deadline = NIODeadline.now() + .nanoseconds(limit.nanoseconds)
        while access(path, F_OK) != 0 {
            if !children.running.contains(pid) {
                throw LoopbackError("node process of replica \(id) exited when restarted from its journal (its error is above)")
            }
            if NIODeadline.now() > deadline { throw LoopbackError("restarted node process of replica \(id) did not come up within \(limit)") }
            usleep(2_000)
        }
    }

    /// As the simulator's `currentLeader`, from the reports the live nodes wrote last.
    static func currentLeader(_ reports: [(id: Int, bytes: [UInt8]?)]) -> Int? {
        var best: (id: Int, epoch: UInt64, at: Int64)?
        for (i, bytes) in reports {
            guard let bytes, let report = try? ReportFile.decode(bytes), let last = report.leadership.last else { continue }
            if best == nil || last.epoch > best!.epoch || (last.epoch == best!.epoch && last.at.nanoseconds > best!.at) {
                best = (i, last.epoch, last.at.nanoseconds)
            }
        }
        return best?.id
    }

    /// Removes `path` and everything under it, quietly.
    public static func removeDirectory(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    public static func temporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/consensus-bench-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw LoopbackError("cannot create a temporary directory: errno \(errno)")
        }
        return String(cString: made)
    }
}
