import Checker
import ConsensusCore
import ShellKit
import Dispatch
import NIOCore
import Workload
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Loopback {
    /// Runs replica `id` of the cluster `file` describes in this process (`consensus-bench node`): it
    /// listens on its port from the file (binding `options.bindHost`), dials every peer, starts at the
    /// file's run time zero (or once its peers are connected), applies the node-side faults, and writes
    /// its report files every `reportInterval` while it runs. SIGTERM or SIGINT: a last report, every
    /// channel closed, exit 0.
    ///
    /// With a `journal`, the replica's persists are appended there (see `Journal`), synced as `sync`
    /// says, and if the file exists when the node starts, the replica restarts from what it replays to.
    /// A torn last record is dropped with a note; a journal damaged anywhere else, or written by another
    /// replica or protocol, is an error and the node does not start. `incarnation` names this life's
    /// report files. A restarted node (a later incarnation, or one that found a journal) starts at
    /// once, without waiting for its peers, some of which may be down.
    public static func serveNode<R: Replica>(_ type: R.Type, id: Int, file: ClusterFile, cluster: ClusterConfig, settings: R.Settings,
                                             faults: [(at: Instant, fault: Fault)], options: Options,
                                             journal: String? = nil, sync: SyncPolicy = .none, incarnation: Int = 0,
                                             reportInterval: Interval = .milliseconds(200)) throws -> Never
    where R.DurableState: DurableStateCodable, R.DurableChange: DurableStateCodable {
        let endpoints = try file.endpoints()
        guard endpoints.indices.contains(id) else { throw LoopbackError("--id \(id) is not in the cluster file (replicas 0...\(endpoints.count - 1))") }
        var options = options
        options.threads = 1
        if let d = file.slowDelayNanos { options.slowDelay = Interval(nanoseconds: d) }
        let owner = Journal.Owner(protocolName: R.protocolName, id: NodeID(id), replicaCount: cluster.replicaCount)
        let recovered = try journal.flatMap { try Journal.load(R.self, path: $0, owner: owner) }
        if let note = recovered?.note { options.logger.warning("\(note)") }
        let restored = recovered?.state
        let layout = Layout(localReplicas: [id], generator: false, endpoints: endpoints, clockBase: file.clockBase, awaitGenerator: false,
                            awaitPeers: restored == nil && incarnation == 0, generatorCount: file.generators ?? 1)

        let stop = DispatchSemaphore(value: 0)
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { stop.signal() }
            source.resume()
            sources.append(source)
        }

        let node = try LoopbackCluster<R>(cluster: cluster, settings: settings, workload: WorkloadSpec(), seed: file.seed,
                                          options: options, layout: layout)
        let window = RunWindow(start: Instant(nanoseconds: file.windowStartNanos ?? 0),
                               end: Instant(nanoseconds: file.windowEndNanos ?? .max))
        do {
            if let restored { try node.restore(id, from: restored) }
            if let journal {
                let logger = options.logger
                try node.journal(id, path: journal, sync: sync, validLength: recovered?.validLength, headLength: recovered?.headLength) { error in
                    // A replica that cannot make its state durable must not answer as if it had.
                    logger.critical("replica \(id) cannot persist: \(error)")
                    exit(1)
                }
            }
            try node.start(window: window)
            for (at, fault) in faults { try node.schedule(fault, at: at) }
        } catch {
            node.shutdown()
            throw error
        }
        let restartNote = restored == nil ? "" : ", restarted from \(journal!) (\(recovered?.records ?? 0) records)"
        options.logger.info("replica \(id) of \(cluster.replicaCount) serving on \(options.bindHost):\(endpoints[id].port)\(restartNote)")
        var reporter = file.reportDirectory.map { NodeReporter(directory: $0, id: id, incarnation: incarnation) }
        // A first report at once: the parent learns that this node is up.
        try? reporter?.write(node)
        while stop.wait(timeout: .now() + .nanoseconds(Int(reportInterval.nanoseconds))) == .timedOut {
            try? reporter?.write(node)
        }
        try? reporter?.write(node)
        node.shutdown()
        _ = sources
        exit(0)
    }
}

/// Writes one node's report files: the report rewritten whole, the applied effects appended.
struct NodeReporter {
    let reportPath: String
    let appliedPath: String
    let id: Int
    var appliedWritten = 0

    init(directory: String, id: Int, incarnation: Int) {
        reportPath = ReportFile.reportPath(directory: directory, id: id, incarnation: incarnation)
        appliedPath = ReportFile.appliedPath(directory: directory, id: id, incarnation: incarnation)
        self.id = id
    }

    mutating func write<R: Replica>(_ node: LoopbackCluster<R>) throws {
        let report = try node.replicaReport(id, appliedFrom: appliedWritten)
        if !report.applied.isEmpty {
            var w = WireWriter(capacity: report.applied.count * 48)
            ReportFile.encode(applied: report.applied, into: &w)
            try ReportFile.write(Array(w.bytes), to: appliedPath, append: true)
            appliedWritten += report.applied.count
        }
        try ReportFile.writeAtomically(ReportFile.encode(report), to: reportPath)
    }
}
