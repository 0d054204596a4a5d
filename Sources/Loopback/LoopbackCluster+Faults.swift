import ConsensusCore
import NIOCore
import ShellKit

extension LoopbackCluster {
    /// Injects `fault` now and waits until it took effect (a restarted replica is listening again).
    /// `logged: false` keeps it out of the fault log (the harness's own heal before the quiet period).
    public func inject(_ fault: Fault, logged: Bool = true) throws {
        let control = self.control
        try generatorLoop.flatSubmit { control.value.inject(fault, logged: logged) }.wait()
    }

    /// Injects `fault` at run time `at` (from the start of the run).
    public func schedule(_ fault: Fault, at: Instant) throws {
        let control = self.control
        try generatorLoop.submit { control.value.schedule(fault, at: at) }.wait()
    }

    /// The replica that most recently became leader with the highest epoch and is up, if any.
    public func currentLeader() throws -> NodeID? {
        let control = self.control
        return try generatorLoop.flatSubmit { control.value.currentLeader() }.wait()
    }

    /// Faults as they were injected: run time and what happened.
    public func faultLog() throws -> [String] {
        let control = self.control
        return try generatorLoop.submit { control.value.faultLog }.wait()
    }
}

/// The controller's state, confined to the generator's loop: the clock, the partition in force, the
/// generator of restarted replicas' randomness, and the faults injected so far.
final class ControlState<R: Replica> {
    let cluster: ClusterConfig
    /// By replica id; nil for replicas that run in another process (faults there are that process's).
    let nodes: [NIOLoopBound<ReplicaNode<R>>?]
    let nodeLoops: [EventLoop?]
    let loop: EventLoop
    var clock = RunClock(base: 0)
    var endpoints: [Loopback.Endpoint] = []
    var random: DeterministicRandom
    /// Partitions and cut links in force (each replica is told its row).
    var reachability: Reachability
    /// Replicas that are Byzantine now: every replica learns it, so equivocators collude as they do in
    /// the simulator (a fellow faulty replica gets the original message).
    var faulty: [Bool]
    var lastCrashedLeader: NodeID?
    var faultLog: [String] = []
    var scheduled: [Scheduled<Void>] = []
    var closedAt: Instant?
    var waiters: [EventLoopPromise<Instant?>] = []

    init(cluster: ClusterConfig, settings: R.Settings, nodes: [NIOLoopBound<ReplicaNode<R>>?], nodeLoops: [EventLoop?],
         random: DeterministicRandom, loop: EventLoop) {
        self.cluster = cluster
        self.nodes = nodes
        self.nodeLoops = nodeLoops
        self.random = random
        self.loop = loop
        reachability = Reachability(replicaCount: cluster.replicaCount)
        faulty = Array(repeating: false, count: cluster.replicaCount)
    }

    // MARK: Window

    func windowClosed(at end: Instant) {
        closedAt = end
        let w = waiters
        waiters = []
        for p in w { p.succeed(end) }
    }

    func windowClosedFuture(limit: Instant) -> EventLoopFuture<Instant?> {
        if let closedAt { return loop.makeSucceededFuture(closedAt) }
        let promise = loop.makePromise(of: Instant?.self)
        waiters.append(promise)
        loop.assumeIsolated().scheduleTask(deadline: clock.deadline(limit)) { [self] in
            if let i = waiters.firstIndex(where: { $0.futureResult === promise.futureResult }) {
                waiters.remove(at: i)
                promise.succeed(nil)
            }
        }
        return promise.futureResult
    }

    // MARK: Faults

    func schedule(_ fault: Fault, at: Instant) {
        let task = loop.assumeIsolated().scheduleTask(deadline: clock.deadline(at)) { [self] in
            inject(fault).assumeIsolated().whenFailure { [self] error in faultLog.append("\(clock.now()) \(fault) failed: \(error)") }
        }
        scheduled.append(task)
    }

    func cancelScheduledFaults() {
        for task in scheduled { task.cancel() }
        scheduled.removeAll()
    }

    /// Carries out `fault`; the future completes on the control loop once it took effect everywhere.
    func inject(_ fault: Fault, logged: Bool = true) -> EventLoopFuture<Void> {
        let at = clock.now()
        switch fault {
        case .crash(let target):
            return resolve(target, forRestart: false).assumeIsolated().map { [self] node in
                guard let node else {
                    faultLog.append("\(at) \(fault) (no leader: nothing crashed)")
                    return
                }
                if target == .leader {
                    lastCrashedLeader = node
                    faultLog.append("\(at) \(fault) (node \(node.rawValue))")
                } else {
                    faultLog.append("\(at) \(fault)")
                }
                guard let box = nodes[node.index], let nodeLoop = nodeLoops[node.index] else {
                    faultLog.append("\(at) \(fault): replica \(node.rawValue) does not run in this process")
                    return
                }
                nodeLoop.execute { box.value.crash() }
            }.nonisolated()
        case .restart(let target):
            return resolve(target, forRestart: true).assumeIsolated().flatMap { [self] node in
                guard let node else {
                    faultLog.append("\(at) \(fault) (nothing to restart)")
                    return loop.makeSucceededVoidFuture()
                }
                faultLog.append("\(at) \(fault)")
                let r = random.derive()
                guard let box = nodes[node.index], let nodeLoop = nodeLoops[node.index] else { return loop.makeSucceededVoidFuture() }
                return nodeLoop.flatSubmit { box.value.restart(random: r) }
            }.nonisolated()
        case .partition(let groups):
            reachability.partition(groups)
        case .cutLink(let a, let b):
            reachability.cutLink(a, b)
        case .heal:
            reachability.heal()
        case .loss, .extraLatency, .cutClients:
            // The harness refuses these before a real-socket run starts (`Fault.realNetworkProblem`).
            return loop.makeFailedFuture(LoopbackError(fault.realNetworkProblem ?? "fault '\(fault)' is not available on real sockets"))
        case .byzantine(let id, let behavior):
            faultLog.append("\(at) \(fault)")
            faulty[id.index] = true
            let row = faulty
            var updates: [EventLoopFuture<Void>] = []
            for i in nodes.indices {
                guard let box = nodes[i], let nodeLoop = nodeLoops[i] else { continue }
                let isTarget = i == id.index
                updates.append(nodeLoop.submit {
                    if isTarget { box.value.setByzantine(behavior) }
                    box.value.setFaultyPeers(row)
                })
            }
            return EventLoopFuture.andAllSucceed(updates, on: loop)
        }
        if logged { faultLog.append("\(at) \(fault)") }
        return applyReachability()
    }

    /// Tells every replica whom it can reach under the current partition and cut links.
    private func applyReachability() -> EventLoopFuture<Void> {
        let n = cluster.replicaCount
        let updates = (0 ..< n).compactMap { i -> EventLoopFuture<Void>? in
            guard let box = nodes[i], let nodeLoop = nodeLoops[i] else { return nil }
            let row = reachability.row(of: i)
            return nodeLoop.submit { box.value.setReachable(row) }
        }
        return EventLoopFuture.andAllSucceed(updates, on: loop)
    }

    private func resolve(_ target: Fault.Target, forRestart: Bool) -> EventLoopFuture<NodeID?> {
        switch target {
        case .node(let n): return loop.makeSucceededFuture(n)
        case .leader: return forRestart ? loop.makeSucceededFuture(lastCrashedLeader) : currentLeader()
        }
    }

    /// As the simulator's `currentLeader`: of the replicas that are up, the one whose latest
    /// `becameLeader` has the highest epoch (ties: the later one).
    func currentLeader() -> EventLoopFuture<NodeID?> {
        let asks = nodes.indices.compactMap { i -> EventLoopFuture<(up: Bool, epoch: UInt64, at: Int64)?>? in
            guard let box = nodes[i], let nodeLoop = nodeLoops[i] else { return nil }
            return nodeLoop.submit { () -> (up: Bool, epoch: UInt64, at: Int64)? in
                let node = box.value
                guard node.up, let last = node.leadership.last else { return nil }
                return (true, last.epoch, last.at.nanoseconds)
            }
        }
        let ids = nodes.indices.filter { nodes[$0] != nil }
        return EventLoopFuture.whenAllSucceed(asks, on: loop).map { answers in
            var best: (id: Int, epoch: UInt64, at: Int64)?
            for (k, a) in answers.enumerated() {
                guard let a else { continue }
                let i = ids[k]
                if best == nil || a.epoch > best!.epoch || (a.epoch == best!.epoch && a.at > best!.at) { best = (i, a.epoch, a.at) }
            }
            return best.map { NodeID($0.id) }
        }
    }
}
