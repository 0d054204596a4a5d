import Harness
import Report

/// The one-screen summary `run` prints to stdout.
enum Summary {
    static func text(_ r: RunResult) -> String {
        let s = r.spec
        var lines: [String] = []
        lines.append("\(s.protocolName)  n=\(s.nodes ?? 0) f=\(s.faults ?? 0)  clients=\(s.workload.clients)  batch=\(s.batch)  seed=\(s.seed)  shell=\(s.shell)")
        lines.append("ops \(r.ops) in \(formatDecimal(r.windowSeconds, places: 3)) s   throughput \(formatDecimal(r.throughputOpsPerSecond, places: 1)) ops/s")
        lines.append("latency us   p50 \(formatDecimal(r.latency.p50, places: 1))   p90 \(formatDecimal(r.latency.p90, places: 1))   p99 \(formatDecimal(r.latency.p99, places: 1))   p99.9 \(formatDecimal(r.latency.p999, places: 1))   max \(formatDecimal(r.latency.max, places: 1))")
        lines.append("messages/op \(formatDecimal(r.messagesPerOp, places: 3))   bytes/op \(formatDecimal(r.bytesPerOp, places: 1))   leader changes \(r.leaderChanges)   longest stall \(formatDecimal(r.longestStallMillis, places: 1)) ms")
        if r.ops > 0 {
            var parts: [String] = []
            for (i, kind) in r.messageKinds.enumerated() where r.messageCounts[i] > 0 {
                parts.append("\(kind) \(formatDecimal(Double(r.messageCounts[i]) / Double(r.ops), places: 3))")
            }
            lines.append("  by type: " + parts.joined(separator: "  "))
        }
        let rejected = r.rejectedCounts.reduce(0, +)
        if rejected > 0 { lines.append("rejected (bad authenticator): \(rejected)") }
        for f in r.faultLog { lines.append("  fault: \(f)") }
        lines.append("linearizable: \(r.linearizable)" + (r.linearizabilityDetail.map { " (\($0))" } ?? ""))
        if r.violations.isEmpty {
            lines.append("safety: agreement, validity, at-most-once, election safety and convergence held")
        } else {
            for v in r.violations.prefix(5) { lines.append("SAFETY: \(v)") }
        }
        return lines.joined(separator: "\n")
    }
}
