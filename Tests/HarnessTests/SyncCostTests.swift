import ConsensusCore
import Harness
import ShellKit
import Testing

/// What `--sync fsync` costs a lone client: every write on the commit path must be synced before the
/// messages that depend on it leave, so the p50 rises by one sync latency per sequential sync.
@Suite("Syncing before sending costs one sync latency per write on the commit path")
struct SyncCostTests {
    /// Sequential syncs on one operation's commit path:
    /// - Raft: the leader appends the entry before its AppendEntries leave, a follower before it
    ///   acknowledges (the leader's commit index is not written).
    /// - Multi-Paxos: the leader's own acceptor accepts before the Accepts leave, an acceptor before
    ///   answering Accepted.
    /// - PBFT: the primary logs the PRE-PREPARE before sending it, a backup before its PREPARE, the
    ///   prepared slot before the COMMIT, the committed slot before the reply.
    static let commitPaths: [(protocolName: String, nodes: Int, syncs: Int)] = [
        ("raft", 3, 2), ("multipaxos", 3, 2), ("pbft", 4, 4),
    ]

    func p50(_ protocolName: String, nodes: Int, sync: SyncPolicy, latency: Interval) throws -> Double {
        var s = ExperimentSpec()
        s.protocolName = protocolName
        s.nodes = nodes
        s.seed = 3
        s.workload.clients = 1
        s.ops = 200
        s.durability.sync = sync
        s.durability.syncLatency = latency
        let result = try ResolvedExperiment(s).run()
        #expect(result.ops >= 200)
        return result.latency.p50
    }

    @Test("one client's p50 rises by the sync latency times the syncs on the commit path", arguments: commitPaths.map(\.protocolName))
    func p50RisesBySyncs(protocolName: String) throws {
        let path = Self.commitPaths.first { $0.protocolName == protocolName }!
        let latency = Interval.milliseconds(1)
        let unsynced = try p50(protocolName, nodes: path.nodes, sync: .none, latency: latency)
        let synced = try p50(protocolName, nodes: path.nodes, sync: .fsync, latency: latency)
        let risePerSync = (synced - unsynced) / Double(path.syncs) / 1000  // in sync latencies
        #expect(abs(risePerSync - 1) < 0.05,
                "\(protocolName): p50 \(unsynced) µs unsynced, \(synced) µs synced: \(risePerSync) sync latencies per sync, not 1")
        // Twice the sync latency, twice the rise: the cost is the model's, not a constant.
        let slower = try p50(protocolName, nodes: path.nodes, sync: .fsync, latency: .milliseconds(2))
        #expect(abs((slower - unsynced) / (synced - unsynced) - 2) < 0.1, "\(protocolName): \(slower) µs at 2 ms per sync")
    }
}
