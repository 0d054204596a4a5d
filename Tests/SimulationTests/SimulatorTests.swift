import Checker
import ConsensusCore
import ShellKit
import Simulation
import Testing
import Workload

@Suite("The simulator shell")
struct SimulatorTests {
    func simulator(n: Int = 3, seed: UInt64 = 1, clients: Int = 0, tick: Interval? = nil, persistsFirst: Int = .max,
                   configure: (inout SimulationOptions) -> Void = { _ in }) -> Simulator<ToyReplica> {
        var options = SimulationOptions(seed: seed)
        options.workload.clients = clients
        configure(&options)
        return Simulator<ToyReplica>(cluster: ClusterConfig(replicaCount: n, faultTolerance: 0),
                                     settings: .init(tickInterval: tick, persistsFirst: persistsFirst), options: options)
    }

    func request(_ s: UInt64) -> ClientRequest {
        ClientRequest(client: ClientID(1000), sequence: s, command: .put(Key(1), Value(tag: s, size: 16)))
    }

    @Test("every message that leaves a node is counted by kind and bytes, client traffic too")
    func countsAsMessagesLeave() {
        let sim = simulator(n: 5)
        sim.start()
        sim.submit(request(1), to: NodeID(0))
        sim.run(for: .milliseconds(10))
        #expect(sim.messageCount(of: "request") == 1)
        #expect(sim.messageCount(of: "Note") == 4)
        #expect(sim.messageCount(of: "reply") == 1)
        #expect(sim.stats.bytes[0] == 4 * (Wire.frameHeaderSize + 8))
        #expect(sim.externalReplies.count == 1)
    }

    @Test("a partition drops messages between groups, and healing restores them")
    func partitionDrops() {
        let sim = simulator(n: 3)
        sim.start()
        sim.partition([[NodeID(0)], [NodeID(1), NodeID(2)]])
        sim.submit(request(1), to: NodeID(0))
        sim.run(for: .milliseconds(10))
        #expect(sim.replica(NodeID(1)).notesFrom[NodeID(0)] == nil)
        sim.heal()
        sim.submit(request(2), to: NodeID(0))
        sim.run(for: .milliseconds(10))
        #expect(sim.replica(NodeID(1)).notesFrom[NodeID(0)] == [2])
    }

    @Test("clients cut off from a replica reach it no more, nor its replies them; a heal restores both")
    func cutClients() {
        let sim = simulator(n: 3)
        sim.start()
        sim.cutClients([NodeID(0)])
        sim.submit(request(1), to: NodeID(0))
        sim.submit(request(2), to: NodeID(1))
        sim.run(for: .milliseconds(10))
        #expect(sim.replica(NodeID(0)).requestsSeen == 0)
        #expect(sim.replica(NodeID(1)).requestsSeen == 1)
        #expect(sim.messageCount(of: "request") == 2, "a request sent into the cut still counts as sent")
        sim.heal()
        sim.submit(request(3), to: NodeID(0))
        sim.run(for: .milliseconds(10))
        #expect(sim.replica(NodeID(0)).requestsSeen == 1)
    }

    @Test("client traffic is lost and duplicated like a replica link only when the run says so")
    func clientTrafficFaults() {
        for faulty in [false, true] {
            let lossy = simulator(n: 3) { $0.network.lossProbability = 1; $0.network.clientTrafficFaults = faulty }
            lossy.start()
            lossy.submit(request(1), to: NodeID(0))
            lossy.run(for: .milliseconds(10))
            #expect(lossy.replica(NodeID(0)).requestsSeen == (faulty ? 0 : 1), "client traffic faults \(faulty)")
            let doubling = simulator(n: 3) { $0.network.duplicateProbability = 1; $0.network.clientTrafficFaults = faulty }
            doubling.start()
            doubling.submit(request(1), to: NodeID(0))
            doubling.run(for: .milliseconds(10))
            #expect(doubling.replica(NodeID(0)).requestsSeen == (faulty ? 2 : 1), "client traffic faults \(faulty)")
        }
    }

    @Test("a crashed replica loses its volatile state and restarts from exactly what it persisted")
    func crashRestart() {
        let sim = simulator(n: 3)
        sim.start()
        for s in 1 ... 3 { sim.submit(request(UInt64(s)), to: NodeID(2)) }
        sim.run(for: .milliseconds(10))
        sim.crash(NodeID(2))
        sim.submit(request(9), to: NodeID(2))
        sim.run(for: .milliseconds(10))
        #expect(!sim.isUp(NodeID(2)))
        sim.restart(NodeID(2))
        #expect(sim.replica(NodeID(2)).startedWith?.requestsSeen == 3)
        #expect(sim.replica(NodeID(2)).kv.executedCount == 0, "the state machine is volatile")
    }

    @Test("a replica that changes its durable state without persisting comes back from a crash without that change")
    func unpersistedChangeIsLost() {
        let sim = simulator(n: 3, persistsFirst: 2)
        sim.start()
        for s in 1 ... 3 { sim.submit(request(UInt64(s)), to: NodeID(2)) }
        sim.run(for: .milliseconds(10))
        #expect(sim.replica(NodeID(2)).requestsSeen == 3, "in memory it saw all three")
        sim.crash(NodeID(2))
        sim.restart(NodeID(2))
        #expect(sim.replica(NodeID(2)).startedWith?.requestsSeen == 2, "only what its two persists wrote survives")
    }

    @Test("a power failure loses the writes whose sync had not ended; a process crash keeps them")
    func powerFailureLosesUnsyncedWrites() {
        for (kind, expected) in [(CrashKind.process, 3), (CrashKind.power, 2)] {
            let sim = simulator(n: 3) {
                $0.durability.sync = .fsync
                $0.durability.crashKind = kind
                $0.durability.syncLatency = .milliseconds(5)
            }
            sim.start()
            for s in 1 ... 2 { sim.submit(request(UInt64(s)), to: NodeID(2)) }
            sim.run(for: .milliseconds(20))  // both synced
            sim.submit(request(3), to: NodeID(2))
            sim.run(for: .milliseconds(2))  // written, its sync still running
            #expect(sim.messageCount(of: "reply") == 2, "the third reply waits for its sync")
            sim.crash(NodeID(2))
            sim.run(for: .milliseconds(20))
            #expect(sim.messageCount(of: "reply") == 2, "a replica that crashed during the sync never sends what waited for it")
            sim.restart(NodeID(2))
            #expect(sim.replica(NodeID(2)).startedWith?.requestsSeen == expected, "\(kind) crash")
        }
    }

    @Test("under --sync fsync a reply leaves one sync latency later")
    func syncDelaysDependentSends() {
        func replyTime(_ sync: SyncPolicy) -> Instant? {
            let sim = simulator(n: 3) {
                $0.durability.sync = sync
                $0.durability.syncLatency = .microseconds(700)
            }
            sim.start()
            sim.submit(request(1), to: NodeID(0))
            var t = Instant.zero
            while sim.externalReplies.isEmpty && t < .zero + .milliseconds(10) {
                sim.run(for: .microseconds(10))
                t = sim.now
            }
            return sim.externalReplies.isEmpty ? nil : sim.now
        }
        let plain = try! #require(replyTime(.none)), synced = try! #require(replyTime(.fsync))
        #expect(synced - plain >= .microseconds(690) && synced - plain <= .microseconds(710), "\(plain) against \(synced)")
    }

    @Test("links are FIFO: jitter never reorders one link")
    func fifoLinks() {
        let sim = simulator(n: 2, tick: .microseconds(1)) { $0.network.jitter = .milliseconds(5) }
        sim.start()
        sim.run(for: .milliseconds(20))
        let seen = sim.replica(NodeID(1)).notesFrom[NodeID(0)] ?? []
        #expect(seen.count > 100)
        #expect(seen == seen.sorted())
    }

    @Test("the reorder fault does reorder")
    func reorderFault() {
        let sim = simulator(n: 2, tick: .microseconds(1)) {
            $0.network.reorderProbability = 0.2
            $0.network.reorderDelay = .milliseconds(1)
        }
        sim.start()
        sim.run(for: .milliseconds(20))
        let seen = sim.replica(NodeID(1)).notesFrom[NodeID(0)] ?? []
        #expect(seen != seen.sorted())
    }

    @Test("a busy replica queues: CPU cost shows in completion times")
    func cpuQueueing() {
        let fast = simulator(n: 3, clients: 32) { $0.cpu = .free }
        let slow = simulator(n: 3, clients: 32) { $0.cpu.perMessage = .microseconds(100) }
        for sim in [fast, slow] {
            sim.start()
            sim.run(for: .milliseconds(200))
        }
        let f = fast.records.filter { $0.completed != nil }.count
        let s = slow.records.filter { $0.completed != nil }.count
        #expect(s * 2 < f, "100us per message should at least halve throughput (\(s) vs \(f))")
    }

    @Test("same seed, same run, event for event")
    func deterministic() {
        func run(_ seed: UInt64) -> (Int, [Instant?]) {
            let sim = simulator(n: 3, seed: seed, clients: 8) {
                $0.network.lossProbability = 0.05
                $0.network.jitter = .microseconds(300)
            }
            sim.start()
            sim.run(for: .milliseconds(300))
            return (sim.eventsProcessed, sim.records.map(\.completed))
        }
        let a = run(5), b = run(5), c = run(6)
        #expect(a.0 == b.0 && a.1 == b.1)
        #expect(a.1 != c.1)
    }

    @Test("a scheduled crash of the leader target without a leader crashes nothing")
    func leaderlessCrash() {
        let sim = simulator(n: 3) { $0.faults = [ScheduledFault(at: .zero + .milliseconds(1), .crash(.leader))] }
        sim.start()
        sim.run(for: .milliseconds(5))
        #expect((0 ..< 3).allSatisfy { sim.isUp(NodeID($0)) })
        #expect(sim.injectedFaults.first?.description.contains("no leader") == true)
    }
}
