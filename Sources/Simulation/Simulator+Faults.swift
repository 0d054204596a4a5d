import ConsensusCore
import ShellKit

// MARK: - Fault injection

extension Simulator {
    func inject(_ fault: Fault) {
        var text = fault.description
        switch fault {
        case .crash(let target):
            guard let node = resolve(target, forRestart: false) else { text += " (no leader: nothing crashed)"; break }
            if target == .leader { lastCrashedLeader = node; text += " (node \(node.rawValue))" }
            crash(node)
        case .restart(let target):
            guard let node = resolve(target, forRestart: true) else { text += " (nothing to restart)"; break }
            restart(node)
        case .partition(let groups):
            partition(groups)
        case .cutLink(let a, let b):
            cutLink(a, b)
        case .cutClients(let ids):
            cutClients(ids)
        case .heal:
            heal()
        case .byzantine(let node, let behavior):
            byzantine[node.index] = behavior
        case .loss(let p):
            lossProbability = p
        case .extraLatency(let d):
            extraLatency = d.nanoseconds
        }
        injectedFaults.append((now, text))
    }

    func resolve(_ target: Fault.Target, forRestart: Bool) -> NodeID? {
        switch target {
        case .node(let n): return n
        case .leader: return forRestart ? lastCrashedLeader : currentLeader.flatMap { up[$0.index] ? $0 : nil }
        }
    }

    /// Stops a replica now: its inbox, timers and volatile state are lost; what its persists wrote is
    /// kept (all of it after a process crash, what was synced after a power failure).
    public func crash(_ id: NodeID) {
        let i = id.index
        guard up[i] else { return }
        precondition(options.keepsDisks, "crashed replica \(id) in a run whose options keep no disks")
        if byzantine[i] == nil, let answer = replicas[i].unpersistedAnswer() {
            // Crashes fall between steps: an honest replica has persisted what it answered on by now.
            safety.report(.durability, "replica \(i) crashed holding an answer it had not persisted: \(answer)")
            if options.stopsAtFirstViolation { stopRequested = true }
        }
        disks[i].crash(options.durability.crashKind, at: now.nanoseconds)
        up[i] = false
        incarnation[i] &+= 1
        for input in inbox[i] {
            switch input {
            case .message(let slot): messages.release(slot)
            case .request(let slot): _ = requests.take(slot)
            }
        }
        inbox[i].removeAll(keepingCapacity: true)
        if ticks.isOn {
            ticks.arrivals[i].removeAll(keepingCapacity: true)
            endTickIfDone(cpu: cpuOf[i])  // its frames are dropped at the flush; the loop's others leave
        }
        if currentLeader == id { currentLeader = nil }
    }

    /// Starts a crashed replica again from exactly what it had persisted.
    public func restart(_ id: NodeID) {
        let i = id.index
        guard !up[i] else { return }
        replicas[i] = R(id: id, cluster: cluster, settings: settings, random: random.derive())
        safety.replicaRestarted(id)
        up[i] = true
        // Its CPU is free now; a shared one may still be busy with another replica.
        busyUntil[cpuOf[i]] = sharesCPUs ? max(busyUntil[cpuOf[i]], now.nanoseconds) : now.nanoseconds
        outbox.clear()
        replicas[i].start(durable: disks[i].kept, now: now, outbox: &outbox)
        carryOut(node: Int32(i), at: now.nanoseconds)
    }

    /// Splits the replicas into groups; each replica not named is isolated on its own.
    public func partition(_ groups: [[NodeID]]) { reachability.partition(groups) }

    /// Cuts the link between two replicas in both directions.
    public func cutLink(_ a: NodeID, _ b: NodeID) { reachability.cutLink(a, b) }

    /// Cuts the clients off from these replicas, both directions.
    public func cutClients(_ ids: [NodeID]) { reachability.cutClients(ids) }

    /// Heals every partition and cut link, the clients' too.
    public func heal() { reachability.heal() }

    /// Makes a replica Byzantine from now on (nil: honest again).
    public func setByzantine(_ id: NodeID, _ behavior: ByzantineBehavior?) { byzantine[id.index] = behavior }

    /// Ends a latency burst.
    public func clearExtraLatency() { extraLatency = 0 }

    /// Changes message loss on every link from now on.
    public func setLoss(_ probability: Double) { lossProbability = probability }
}
