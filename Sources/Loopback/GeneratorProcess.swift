import Checker
import ConsensusCore
import NIOCore
import ShellKit
import Workload

extension Loopback {
    /// Runs load generator `id` of the `file.generators` a cluster file names (`consensus-bench
    /// generate`): its share of the clients (ids id, id+K, id+2K, …) and of an open-loop rate, against
    /// the replicas the file lists, from the file's run time zero on this host's clock. It stops issuing
    /// when the window closes, waits for the last scheduled fault and the quiet period, and returns
    /// what it saw. Every latency in it was measured on this host's clock alone.
    public static func runGenerator<R: Replica>(_ type: R.Type, id: Int, file: ClusterFile, cluster: ClusterConfig, settings: R.Settings,
                                                workload: WorkloadSpec, options: Options) throws -> GeneratorReport {
        let endpoints = try file.endpoints()
        let count = file.generators ?? 1
        guard (0 ..< count).contains(id) else { throw LoopbackError("--generator \(id) is not one of the file's \(count) generators (0...\(count - 1))") }
        guard let base = file.clockBase else { throw LoopbackError("the cluster file has no run clock (clockBase): only a run's parent writes generator files") }
        let layout = Layout(localReplicas: [], generator: true, endpoints: endpoints, clockBase: base, awaitGenerator: false, awaitPeers: false,
                            generatorCount: count, generatorID: id)
        let generator = try LoopbackCluster<R>(cluster: cluster, settings: settings, workload: share(of: workload, generator: id, of: count),
                                               seed: file.seed, options: options, layout: layout)
        defer { generator.shutdown() }
        let window = RunWindow(start: Instant(nanoseconds: file.windowStartNanos ?? 0), end: Instant(nanoseconds: file.windowEndNanos ?? 0))
        let clock = try generator.start(window: window)
        try generator.sleep(until: window.end, clock: clock)
        try generator.stopIssuing()
        if let end = file.faultsEndNanos.map(Instant.init(nanoseconds:)), end >= clock.now() {
            try generator.sleep(until: end + .milliseconds(1), clock: clock)
        }
        try generator.sleep(for: Interval(nanoseconds: file.quietPeriodNanos ?? 1_000_000_000))
        return try generator.generatorReport()
    }

    /// Generator `id`'s part of `workload` when `count` generators split it: the clients with ids
    /// id, id+count, … below `workload.clients`, and the same fraction of an open-loop rate.
    public static func share(of workload: WorkloadSpec, generator id: Int, of count: Int) -> WorkloadSpec {
        var part = workload
        part.clients = (workload.clients - id + count - 1) / count
        if let rate = workload.ratePerSecond { part.ratePerSecond = rate * Double(part.clients) / Double(workload.clients) }
        return part
    }
}

/// A load generator's report as a file (`generator-K.bin` in its host's run folder): its operation
/// records (the history it saw), message counts and window figures.
public enum GeneratorReportFile {
    static let magic: UInt32 = 0x4742_4243  // "CBBG"

    public static func path(directory: String, id: Int) -> String { "\(directory)/generator-\(id).bin" }

    public static func encode(_ g: GeneratorReport) -> [UInt8] {
        var w = WireWriter(capacity: 64 + g.records.count * 64)
        w.write(magic)
        ReportFile.encode(g.counts, into: &w)
        w.write(UInt64(g.completedInWindow))
        w.write(g.window.start.nanoseconds)
        w.write(g.window.end.nanoseconds)
        w.write(UInt64(g.outstanding))
        w.write(UInt64(g.records.count))
        for r in g.records {
            w.write(r.client.rawValue)
            w.write(r.sequence)
            r.command.encode(into: &w)
            w.write(r.scheduled.nanoseconds)
            w.write(r.invoked.nanoseconds)
            w.write(r.completed?.nanoseconds ?? Int64.min)
            w.write(r.result != nil)
            r.result?.encode(into: &w)
            w.write(r.status.rawValue)
            w.write(r.retries)
        }
        return Array(w.bytes)
    }

    public static func decode(_ bytes: [UInt8]) throws(WireError) -> GeneratorReport {
        var r = WireReader(bytes)
        guard try r.read(UInt32.self) == magic else { throw .invalidField("not a generator report") }
        let counts = try ReportFile.decodeCounts(from: &r)
        let completed = Int(try r.read(UInt64.self))
        let window = RunWindow(start: Instant(nanoseconds: try r.read(Int64.self)), end: Instant(nanoseconds: try r.read(Int64.self)))
        let outstanding = Int(try r.read(UInt64.self))
        let count = Int(try r.read(UInt64.self))
        guard count <= r.remaining else { throw .invalidField("record count \(count)") }
        var records: [OperationRecord] = []
        records.reserveCapacity(count)
        for _ in 0 ..< count {
            let client = ClientID(Int(try r.read(UInt32.self)))
            let sequence = try r.read(UInt64.self)
            let command = try Command.decode(from: &r)
            let scheduled = Instant(nanoseconds: try r.read(Int64.self))
            let invoked = Instant(nanoseconds: try r.read(Int64.self))
            let completedAt = try r.read(Int64.self)
            let result = try r.readBool() ? try CommandResult.decode(from: &r) : nil
            guard let status = OperationRecord.Status(rawValue: try r.readByte()) else { throw .invalidField("record status") }
            let retries = try r.read(UInt32.self)
            records.append(OperationRecord(client: client, sequence: sequence, command: command, scheduled: scheduled, invoked: invoked,
                                           completed: completedAt == Int64.min ? nil : Instant(nanoseconds: completedAt), result: result,
                                           status: status, retries: retries))
        }
        return GeneratorReport(records: records, counts: counts, completedInWindow: completed, window: window, outstanding: outstanding)
    }

    /// Several generators' reports as one: histories concatenated (client ids are distinct by
    /// construction), counts and completions added. Latency figures built from the merged records are
    /// the generators' histograms added.
    public static func merge(_ reports: [GeneratorReport]) -> GeneratorReport? {
        guard var merged = reports.first else { return nil }
        for g in reports.dropFirst() {
            merged.records += g.records
            merged.counts.add(g.counts)
            merged.completedInWindow += g.completedInWindow
            merged.outstanding += g.outstanding
        }
        return merged
    }
}
