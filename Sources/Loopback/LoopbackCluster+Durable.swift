import ConsensusCore
import NIOCore

extension LoopbackCluster where R.DurableState: DurableStateCodable {
    /// Before `start`: local replica `id` starts from `durable` (what a restarted node process loaded
    /// from its state file) instead of fresh.
    public func restore(_ id: Int, from durable: R.DurableState) throws {
        guard let node = nodes[id], let loop = nodeLoops[id] else { throw LoopbackError("replica \(id) does not run in this process") }
        try loop.submit { node.value.durable = durable }.wait()
    }

    /// Before `start`: local replica `id` makes its durable state durable through `writer` (the process
    /// shell's state file) at most once per event-loop tick in which it emitted `persist`, before that
    /// tick's frames leave. `failed` runs on the replica's loop if a write throws; a replica that cannot
    /// persist must not go on answering.
    public func persist(_ id: Int, to writer: StateFile.Writer, failed: @escaping @Sendable (Error) -> Void) throws {
        guard let node = nodes[id], let loop = nodeLoops[id] else { throw LoopbackError("replica \(id) does not run in this process") }
        try loop.submit {
            node.value.persister = { state in
                do { try writer.write(state) } catch { failed(error) }
            }
        }.wait()
    }
}
