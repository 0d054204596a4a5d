import ConsensusCore
import ShellKit

extension RunResult {
    /// The one place a run's figures are computed from what its shell observed, whichever shell ran:
    /// throughput and latency from the history inside the window, messages and bytes per operation from
    /// the counts inside it, and the linearizability verdict over the whole history.
    init(spec: ExperimentSpec, observed o: RunObservation) {
        let measurement = Measurement(records: o.records, windowStart: o.window.start, windowEnd: o.window.end)
        let ops = o.completedInWindow
        let seconds = (o.window.end - o.window.start).seconds
        let lin = HistoryCheck.verdict(for: o.records, enabled: spec.checkLinearizability)
        self.init(
            spec: spec,
            ops: ops,
            windowSeconds: seconds,
            throughputOpsPerSecond: seconds > 0 ? Double(ops) / seconds : 0,
            latency: measurement.summary,
            latencyDistribution: measurement.distribution,
            messageKinds: o.kindNames,
            messageCounts: o.counts.counts,
            messageBytes: o.counts.bytes,
            rejectedCounts: o.counts.rejected,
            messagesPerOp: ops > 0 ? Double(o.counts.totalMessages) / Double(ops) : 0,
            bytesPerOp: ops > 0 ? Double(o.counts.totalBytes) / Double(ops) : 0,
            leaderChanges: o.leaderChanges,
            longestStallMillis: Double(measurement.longestStall) / 1e6,
            timeseries: measurement.timeseries,
            linearizable: lin.column,
            linearizabilityDetail: lin.detail,
            violations: o.violations,
            history: o.records,
            faultLog: o.faultLog,
            eventsProcessed: o.eventsProcessed,
            messagesSimulated: o.counts.totalSent)
        syncs = o.syncs
        recordsPerSync = o.syncs > 0 ? Double(o.syncedRecords) / Double(o.syncs) : 0
        notes = Self.faultScheduleNotes(spec: spec, windowEnd: o.window.end)
    }
}
