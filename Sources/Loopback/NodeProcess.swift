import ConsensusCore
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
    public static func serveNode<R: Replica>(_ type: R.Type, id: Int, file: ClusterFile, cluster: ClusterConfig, settings: R.Settings,
                                             faults: [(at: Instant, fault: Fault)], options: Options,
                                             reportInterval: Interval = .milliseconds(200)) throws -> Never {
        let endpoints = try file.endpoints()
        guard endpoints.indices.contains(id) else { throw LoopbackError("--id \(id) is not in the cluster file (replicas 0...\(endpoints.count - 1))") }
        var options = options
        options.threads = 1
        if let d = file.slowDelayNanos { options.slowDelay = Interval(nanoseconds: d) }
        let layout = Layout(localReplicas: [id], generator: false, endpoints: endpoints, clockBase: file.clockBase, awaitGenerator: false)

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
            try node.start(window: window)
            for (at, fault) in faults { try node.schedule(fault, at: at) }
        } catch {
            node.shutdown()
            throw error
        }
        options.logger.info("replica \(id) of \(cluster.replicaCount) serving on \(options.bindHost):\(endpoints[id].port)")
        var reporter = file.reportDirectory.map { NodeReporter(directory: $0, id: id) }
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

    init(directory: String, id: Int) {
        reportPath = ReportFile.reportPath(directory: directory, id: id)
        appliedPath = ReportFile.appliedPath(directory: directory, id: id)
        self.id = id
    }

    mutating func write<R: Replica>(_ node: LoopbackCluster<R>) throws {
        let report = try node.replicaReport(id, appliedFrom: appliedWritten)
        if !report.applied.isEmpty {
            var w = WireWriter(capacity: report.applied.count * 48)
            ReportFile.encode(applied: report.applied, into: &w)
            try ReportFile.write(w.bytes, to: appliedPath, append: true)
            appliedWritten += report.applied.count
        }
        try ReportFile.writeAtomically(ReportFile.encode(report), to: reportPath)
    }
}
