import Checker
import ConsensusCore
import ShellKit
import NIOCore

/// What one replica's shell observed, read once at the end of a run (or by a test).
public struct ReplicaReport: Sendable {
    public var id: NodeID
    /// Messages and bytes this replica sent inside the window (its protocol kinds and `reply`).
    public var counts: MessageCounts
    /// Every `applied` effect while honest, in the order the replica reported them.
    public var applied: [AppliedRecord]
    /// Where in `applied` each restart began: a restarted replica rebuilds its state machine by applying
    /// its log again, which is not a second execution.
    public var restartsAt: [Int]
    /// Every `becameLeader` effect: when (run time) and the epoch (term, ballot round, view).
    public var leadership: [Leadership]
    public var persistCount: Int
    /// Syncs its journal ran (`--sync fsync`), and the records they covered.
    public var syncs = 0
    public var syncedRecords = 0
    public var isUp: Bool
    public var byzantine: ByzantineBehavior?
    /// The replica's KV store and how many commands it executed (for the convergence check).
    public var store: [Key: Value]
    public var executedCount: Int

    public struct Leadership: Sendable {
        public var at: Instant
        public var epoch: UInt64
    }

    /// One replica's lives (node processes, in order) as one report: counts and persists added up,
    /// applied effects and leaderships in order with a restart where each later life began, and the
    /// last life's state.
    public static func joining(_ lives: [ReplicaReport]) -> ReplicaReport {
        precondition(!lives.isEmpty, "no lives to join")
        var joined = lives[0]
        for life in lives.dropFirst() {
            joined.restartsAt.append(joined.applied.count)
            joined.restartsAt += life.restartsAt.map { $0 + joined.applied.count }
            joined.applied += life.applied
            joined.counts.add(life.counts)
            joined.leadership += life.leadership
            joined.persistCount += life.persistCount
            joined.syncs += life.syncs
            joined.syncedRecords += life.syncedRecords
            joined.isUp = life.isUp
            joined.byzantine = life.byzantine
            joined.store = life.store
            joined.executedCount = life.executedCount
        }
        return joined
    }
}

// MARK: - The controller's requests, run on the node's loop

extension ReplicaNode {
    /// Dialled and accepted peer connections that are up, and whether the generators have said hello.
    var connectivity: (peersOut: Int, drivers: Int) {
        (peersOut.reduce(0) { $0 + ($1 == nil ? 0 : 1) }, drivers.reduce(0) { $0 + ($1 == nil ? 0 : 1) })
    }

    /// Stops the replica now: timers, channels and volatile state are lost; its durable state is kept.
    /// Peers see their connections drop and keep re-dialling until it is back.
    func crash() {
        guard live else { return }
        if up {
            persistPending = false
            do { durable = try disk.crash() } catch {
                logger.critical("replica \(id.rawValue) cannot read its journal back: \(error)")
                diskFailed?(error)
            }
        }
        up = false
        live = false
        incarnation &+= 1
        timers.cancelAll()
        closeEverything()
        logger.info("replica \(id.rawValue) crashed")
    }

    /// Starts a crashed replica again from exactly what it persisted: a fresh replica object, the same
    /// port, peers dialled again.
    func restart(random: DeterministicRandom) -> EventLoopFuture<Void> {
        guard !live else { return loop.makeSucceededVoidFuture() }
        replica = R(id: id, cluster: cluster, settings: settings, random: random)
        restartsAt.append(applied.count)
        live = true
        let previousPort = port, replicaID = id.rawValue
        return listen().flatMapErrorThrowing { error in
            throw LoopbackError("replica \(replicaID) cannot listen on port \(previousPort) again: \(error)")
        }.assumeIsolated().map { [self] _ in
            logger.info("replica \(id.rawValue) restarted on port \(port)")
            dialPeers()
            startReplica()
        }.nonisolated()
    }

    /// Shuts the node down for good; the future completes when every one of its channels has closed.
    func stop() -> EventLoopFuture<Void> {
        var closing: [EventLoopFuture<Void>] = []
        if let listener { closing.append(listener.closeFuture) }
        for c in peersOut { if let ch = c?.channel { closing.append(ch.closeFuture) } }
        for c in accepted.values { if let ch = c.channel { closing.append(ch.closeFuture) } }
        up = false
        live = false
        incarnation &+= 1
        timers.cancelAll()
        closeEverything()
        return EventLoopFuture.andAllComplete(closing, on: loop)
    }

    private func closeEverything() {
        listener?.close(promise: nil)
        listener = nil
        for j in peersOut.indices {
            peersOut[j]?.close()
            peersOut[j] = nil
            dialling[j] = false
        }
        for c in accepted.values { c.close() }
        accepted.removeAll()
        for d in drivers.indices {
            drivers[d]?.close()
            drivers[d] = nil
        }
        flushList.removeAll(keepingCapacity: true)
    }

    /// Which replicas this one can reach from now on (partitions and cut links act at the send path).
    func setReachable(_ reachable: [Bool]) { self.reachable = reachable }

    func setByzantine(_ behavior: ByzantineBehavior?) { byzantine = behavior }

    func setFaultyPeers(_ faulty: [Bool]) { faultyPeers = faulty }

    var report: ReplicaReport { report(appliedFrom: 0) }

    /// A snapshot; `appliedFrom` leaves out the applied effects before that index (for incremental reports).
    func report(appliedFrom: Int) -> ReplicaReport {
        var report = ReplicaReport(id: id, counts: counts, applied: appliedFrom == 0 ? applied : Array(applied[min(appliedFrom, applied.count)...]),
                      restartsAt: restartsAt,
                      leadership: leadership.map { ReplicaReport.Leadership(at: $0.at, epoch: $0.epoch) },
                      persistCount: persistCount, isUp: up, byzantine: byzantine,
                      store: replica.stateMachine.store, executedCount: replica.stateMachine.executedCount)
        (report.syncs, report.syncedRecords) = disk.figures()
        return report
    }
}
