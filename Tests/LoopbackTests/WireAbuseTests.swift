import Checker
import ConsensusCore
import ShellKit
import Loopback
import Raft
import Testing
import Workload

/// Bad bytes on the wire close that one connection, with a log line; the replica keeps serving everyone else.
@Suite("Bad bytes over loopback TCP", .serialized)
struct WireAbuseTests {
    @Test("a connection that sends garbage, an oversize length, a bad version, an unknown node id, a bad body or a truncated frame is closed while the cluster keeps committing",
          .timeLimit(.minutes(1)))
    func badBytesCloseOneConnection() throws {
        let capture = LogCapture()
        var options = Loopback.Options()
        options.logger = capture.logger
        var workload = WorkloadSpec()
        workload.clients = 4
        let cluster = try LoopbackCluster<Raft.Replica>(cluster: ClusterConfig(replicaCount: 3, faultTolerance: 1),
                                                        settings: Raft.Settings(), workload: workload, seed: 11, options: options)
        defer { cluster.shutdown() }
        try cluster.start(window: RunWindow(start: .zero, end: Instant(nanoseconds: .max)))
        try cluster.sleep(for: .milliseconds(300))
        let before = try completed(cluster)
        #expect(before > 0, "the cluster committed nothing before the abuse")

        let ports = try cluster.endpoints().map(\.port)
        let abuses: [(name: String, bytes: [UInt8])] = [
            ("ascii garbage", Array("GET / HTTP/1.1\r\nHost: replica\r\n\r\n".utf8)),
            ("oversize length prefix", [0xFF, 0xFF, 0xFF, 0x7F, 1, 0, 0, 0]),
            ("unknown codec version", frame(version: 9, channel: 0, sender: 1, body: [0, 1, 2, 3])),
            ("unknown channel", frame(channel: 7, sender: 1, body: [])),
            ("unknown node id", frame(channel: 0, sender: 42, body: [])),
            ("undecodable message body", frame(channel: 0, sender: 1, body: [0xEE, 0xEE, 0xEE])),
        ]
        for (index, abuse) in abuses.enumerated() {
            let socket = try RawSocket(port: ports[index % ports.count])
            defer { socket.close() }
            socket.send(abuse.bytes)
            #expect(socket.closedByPeer(within: 2000), "the replica kept the connection open after \(abuse.name)")
        }
        // A frame cut short by the end of the stream: the replica notes it as the connection closes.
        let truncated = try RawSocket(port: ports[0])
        truncated.send(Array(frame(channel: 0, sender: 1, body: [UInt8](repeating: 0, count: 64)).prefix(30)))
        try cluster.sleep(for: .milliseconds(50))
        truncated.close()

        try cluster.sleep(for: .milliseconds(300))
        let after = try completed(cluster)
        #expect(after > before + 50, "the cluster stopped committing (\(before) → \(after))")
        let warnings = capture.lines.filter { $0.contains("closing connection") }
        #expect(warnings.count >= abuses.count + 1, "log lines: \(capture.lines)")
        #expect(warnings.contains { $0.contains("exceeds the maximum") })
        #expect(warnings.contains { $0.contains("unsupported codec version 9") })
        #expect(warnings.contains { $0.contains("unknown node id 42") })
        #expect(warnings.contains { $0.contains("truncated frame at end of stream") })
        #expect(try cluster.replicaReports().allSatisfy(\.isUp))
    }

    func completed(_ cluster: LoopbackCluster<Raft.Replica>) throws -> Int {
        try cluster.generatorReport().records.reduce(0) { $0 + ($1.completed == nil ? 0 : 1) }
    }
}
