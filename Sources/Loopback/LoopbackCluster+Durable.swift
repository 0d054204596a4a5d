import ConsensusCore
import NIOCore
import ShellKit

extension LoopbackCluster where R.DurableState: DurableStateCodable, R.DurableChange: DurableStateCodable {
    /// Before `start`: local replica `id` starts from `durable` (what a restarted node process recovered
    /// from its journal) instead of fresh.
    public func restore(_ id: Int, from durable: R.DurableState) throws {
        guard let node = nodes[id], let loop = nodeLoops[id] else { throw LoopbackError("replica \(id) does not run in this process") }
        try loop.submit { node.value.durable = durable }.wait()
    }

    /// Before `start`: local replica `id` writes its persists to the journal at `path` (appending after
    /// `validLength` bytes, what recovery kept, or afresh when nil; `headLength` is where recovery found
    /// the head snapshot ending), synced as `sync` says, at most once
    /// per event-loop tick in which it emitted `persist`, before that tick's frames leave. `failed` runs
    /// on the replica's loop if a write throws; a replica that cannot persist must not go on answering.
    public func journal(_ id: Int, path: String, sync: SyncPolicy, validLength: Int?, headLength: Int? = nil,
                        failed: @escaping @Sendable (Error) -> Void) throws {
        guard let node = nodes[id], let loop = nodeLoops[id] else { throw LoopbackError("replica \(id) does not run in this process") }
        let owner = Journal.Owner(protocolName: R.protocolName, id: NodeID(id), replicaCount: cluster.replicaCount)
        try loop.submit {
            node.value.disk = try ReplicaDisk<R>.journal(path: path, owner: owner, sync: sync, validLength: validLength, headLength: headLength)
            node.value.diskFailed = failed
        }.wait()
    }
}
