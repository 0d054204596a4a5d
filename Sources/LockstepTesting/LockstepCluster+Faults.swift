// Faults a scenario injects by hand: a message lost, a link cut, a replica crashed and restarted
// from its disk. The protocol sees only their consequences, as it would under a real shell.

import ConsensusCore

extension LockstepCluster {
    /// Loses every queued input that `matches` (a message lost on the wire). Returns how many.
    @discardableResult
    public func drop(where matches: (Envelope<R.Message>) -> Bool) -> Int {
        let kept = queue[head...].filter { !matches($0) }
        let lost = queue.count - head - kept.count
        queue.removeSubrange(head...)
        queue.append(contentsOf: kept)
        return lost
    }

    /// Queues a second copy of every queued input that `matches`, behind everything else (the network
    /// duplicated and delayed it). Returns how many.
    @discardableResult
    public func duplicate(where matches: (Envelope<R.Message>) -> Bool) -> Int {
        let copies = queue[head...].filter(matches)
        queue.append(contentsOf: copies)
        return copies.count
    }

    /// From now on, every message sent from `from` to `to` is lost (queued ones too).
    public func cut(from: Int, to: Int) {
        cutLinks.insert(Link(from: from, to: to))
        drop { $0.to == to && $0.sender == from }
    }

    /// Messages on the link from `from` to `to` arrive again.
    public func heal(from: Int, to: Int) {
        cutLinks.remove(Link(from: from, to: to))
    }

    /// Replica `index` stops: it loses everything not on its disk, every input on its way to it, and
    /// its timers. Messages it already sent stay on the wire.
    public func crash(_ index: Int) {
        precondition(keepsDisks, "crash needs a cluster that keeps disks")
        crashed[index] = true
        armedTimers[index].removeAll()
        drop { $0.to == index }
    }

    /// Replica `index` comes back: a new instance, started from what its last `persist` wrote (nothing,
    /// if it never persisted), exactly as a shell restores it (DESIGN: "never from the replica's memory").
    public func restart(_ index: Int) {
        precondition(crashed[index], "replica \(index) is running")
        crashed[index] = false
        replicas[index] = make(NodeID(index))
        now = now + step
        replicas[index].start(durable: disks[index], now: now, outbox: &outbox)
        route(from: index, cause: .start(restarted: true))
    }

    /// Overwrites what replica `index`'s disk holds (a crashed replica, before `restart`): how a
    /// scenario sets up a log it would take many steps to build.
    public func writeDisk(_ index: Int, _ state: R.DurableState) {
        precondition(crashed[index], "replica \(index) is running: crash it before changing its disk")
        disks[index] = state
    }
}
