import Checker
import ConsensusCore
import ShellKit
import Dispatch
import Logging
import NIOCore
import NIOPosix
import Workload

extension Loopback {
    /// Which part of a cluster runs in this process. `--shell tcp`: every replica and the load generator
    /// (the default). A `consensus-bench node` process: one replica. The process shell's parent: only
    /// the load generator, against replicas at fixed addresses.
    public struct Layout: Sendable {
        /// Replica ids that run here; nil: all of them.
        public var localReplicas: [Int]?
        /// Whether the load generator runs here.
        public var generator: Bool
        /// Every replica's address, when fixed in advance (a cluster file); nil: local replicas bind
        /// ephemeral ports and the addresses are what they bound.
        public var endpoints: [Endpoint]?
        /// Run time zero on this host's monotonic clock (`NIODeadline.uptimeNanoseconds`), when fixed in
        /// advance so that several processes share it; nil: the moment start-up completes.
        public var clockBase: UInt64?
        /// Whether start-up waits for the load generator's hello at every local replica (true when the
        /// generator runs in this process).
        public var awaitGenerator: Bool
        /// Whether start-up waits until every local replica has dialled every peer. False for a node
        /// process restarted mid-run: it starts at once and its peers (some perhaps down) connect as they can.
        public var awaitPeers: Bool
        /// Load generators of the run (K) and which one runs here (k): generator k's clients are the ids
        /// k, k+K, k+2K, … and replicas send each reply to the generator of its client.
        public var generatorCount: Int
        public var generatorID: Int

        public init(localReplicas: [Int]? = nil, generator: Bool = true, endpoints: [Endpoint]? = nil, clockBase: UInt64? = nil,
                    awaitGenerator: Bool? = nil, awaitPeers: Bool = true, generatorCount: Int = 1, generatorID: Int = 0) {
            self.generatorCount = max(1, generatorCount)
            self.generatorID = generatorID
            self.localReplicas = localReplicas
            self.generator = generator
            self.endpoints = endpoints
            self.clockBase = clockBase
            self.awaitGenerator = awaitGenerator ?? generator
            self.awaitPeers = awaitPeers
        }

        public static var inProcess: Layout { Layout() }
    }
}

/// A cluster over real TCP: `n` replicas, each confined to one event loop of a
/// `MultiThreadedEventLoopGroup` (replica i on loop i mod threads), each listening on its own port, plus
/// the load generator on an event loop of its own or of the group. By default all of it runs in this
/// process; a `Layout` can run a part of it (one replica, or only the generator). The controller's
/// methods block the calling thread (never call them from an event loop) and hand all work to the
/// loops as tasks.
///
/// Randomness follows the simulator's order: one `DeterministicRandom` from the seed, one derived
/// generator per replica, then the workload's, so replicas draw the same election timeouts and clients
/// the same operations (timing, of course, is real and differs from run to run).
public final class LoopbackCluster<R: Replica>: Sendable {
    public let cluster: ClusterConfig
    public let settings: R.Settings
    public let workload: WorkloadSpec
    public let options: Loopback.Options
    public let kindNames: [String]

    let group: MultiThreadedEventLoopGroup
    let generatorGroup: MultiThreadedEventLoopGroup?
    public let layout: Loopback.Layout
    /// Ids of the replicas that run in this process.
    public let local: [Int]
    /// By replica id; nil for replicas that run elsewhere.
    let nodeLoops: [EventLoop?]
    let nodes: [NIOLoopBound<ReplicaNode<R>>?]
    let generatorLoop: EventLoop
    let generator: NIOLoopBound<LoadGenerator>
    /// Fault state and the run's clock, confined to the generator's loop.
    let control: NIOLoopBound<ControlState<R>>

    public init(cluster: ClusterConfig, settings: R.Settings, workload: WorkloadSpec, seed: UInt64,
                options: Loopback.Options = Loopback.Options(), layout: Loopback.Layout = .inProcess) throws {
        precondition(MultiThreadedEventLoopGroup.currentEventLoop == nil, "LoopbackCluster blocks: do not drive it from an event loop")
        if let endpoints = layout.endpoints, endpoints.count != cluster.replicaCount {
            throw LoopbackError("\(endpoints.count) replica addresses for a cluster of \(cluster.replicaCount)")
        }
        let local = (layout.localReplicas ?? Array(0 ..< cluster.replicaCount)).filter { (0 ..< cluster.replicaCount).contains($0) }
        if layout.endpoints == nil && local.count != cluster.replicaCount {
            throw LoopbackError("replicas that run elsewhere need fixed addresses")
        }
        var options = options
        if let endpoints = layout.endpoints { options.ports = endpoints.map(\.port) }
        self.layout = layout
        self.local = local
        self.cluster = cluster
        self.settings = settings
        self.workload = workload
        self.options = options
        kindNames = MessageCounts.kindNames(protocolKinds: R.Message.kindNames)
        let threads = max(1, options.threads)
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let loops = Array(group.makeIterator())
        if options.generatorThreads > 0 {
            let g = MultiThreadedEventLoopGroup(numberOfThreads: options.generatorThreads)
            generatorGroup = g
            generatorLoop = g.next()
        } else {
            generatorGroup = nil
            generatorLoop = loops[options.generatorLoop % loops.count]
        }
        var random = DeterministicRandom(seed: seed)
        var loopOf: [EventLoop?] = Array(repeating: nil, count: cluster.replicaCount)
        var built: [NIOLoopBound<ReplicaNode<R>>?] = Array(repeating: nil, count: cluster.replicaCount)
        for i in 0 ..< cluster.replicaCount {
            // Every layout derives every replica's generator, so replica i draws the same numbers wherever it runs.
            let r = random.derive()
            guard let slot = local.firstIndex(of: i) else { continue }
            let loop = loops[slot % loops.count]
            let nodeOptions = options
            built[i] = try loop.submit {
                NIOLoopBound(ReplicaNode<R>(id: NodeID(i), cluster: cluster, settings: settings, random: r, driverCount: layout.generatorCount,
                                            options: nodeOptions, loop: loop), eventLoop: loop)
            }.wait()
            loopOf[i] = loop
        }
        nodeLoops = loopOf
        nodes = built
        let contract = R.clientContract(cluster: cluster, settings: settings)
        var operationsRandom = random.derive()
        var arrivalsRandom = random.derive()
        // Each of several generators draws its own operations and open-loop arrival times (generator 0
        // the ones a lone generator would): K generators with one stream would fire in lockstep.
        for _ in 0 ..< layout.generatorID {
            operationsRandom = operationsRandom.derive()
            arrivalsRandom = arrivalsRandom.derive()
        }
        let controlRandom = random.derive()
        let gl = generatorLoop
        let kinds = kindNames.count
        let n = cluster.replicaCount
        let generatorOptions = options
        generator = try gl.submit {
            NIOLoopBound(LoadGenerator(driverID: Int32(layout.generatorID), clientIDStride: layout.generatorCount, replicaCount: n, workload: workload, contract: contract,
                                       credentials: R.clientCredentials(cluster: cluster, settings: settings), kindCount: kinds,
                                       random: operationsRandom, arrivals: arrivalsRandom, options: generatorOptions, loop: gl), eventLoop: gl)
        }.wait()
        let boxes = built
        let boxLoops = loopOf
        control = try gl.submit {
            NIOLoopBound(ControlState<R>(cluster: cluster, settings: settings, nodes: boxes, nodeLoops: boxLoops, random: controlRandom, loop: gl), eventLoop: gl)
        }.wait()
    }

    // MARK: - Start-up

    /// Binds every listener, connects every ordered pair of replicas and the load generator to every
    /// replica, then starts the replicas and the clients at run time zero. Throws if a port cannot be
    /// bound or the connections do not all come up within `options.connectTimeout`.
    @discardableResult
    public func start(window: RunWindow, stopAfterCompletions: Int? = nil,
                      abortCheck: (@Sendable () -> String?)? = nil) throws -> RunClock {
        let listening = local.map { i in
            let node = nodes[i]!
            return nodeLoops[i]!.flatSubmit {
                node.value.live = true
                return node.value.listen()
            }
        }
        let ports: [Int]
        do {
            ports = try EventLoopFuture.whenAllSucceed(listening, on: generatorLoop).wait()
        } catch {
            throw LoopbackError("could not listen on \(options.bindHost): \(error)")
        }
        let host = Self.connectHost(for: options.bindHost)
        let endpoints = layout.endpoints ?? ports.map { Loopback.Endpoint(host: host, port: $0) }
        // The records kept per operation (the history, each replica's applied list) get their room
        // now. Grown as they go, each doubling copies them into fresh memory while the event loops
        // wait (tens of milliseconds at 100 k operations on a VM that faults memory in at 0.5 ms per
        // MB). An open loop's count is known in advance. A closed loop's is not: it gets room for
        // `closedLoopRecordsPerSecond`, which is address space only until records fill it.
        let seconds = Double(window.end.nanoseconds) / 1e9 + 1
        let expected = workload.ratePerSecond.map { Int(min($0 * seconds * 1.1, 8e6)) }
            ?? Int(min(Loopback.closedLoopRecordsPerSecond * seconds, 2e6))
        for i in local {
            let node = nodes[i]!
            nodeLoops[i]!.execute {
                node.value.applied.reserveCapacity(expected)
                node.value.peerEndpoints = endpoints
                node.value.dialPeers()
            }
        }
        let generator = self.generator
        if layout.generator {
            generatorLoop.execute {
                generator.value.driver.reserveRecords(expected)
                generator.value.endpoints = endpoints
                generator.value.dialAll()
            }
        }
        try awaitConnectivity(abortCheck: abortCheck)

        let clock = layout.clockBase.map(RunClock.init(base:)) ?? RunClock.startingNow()
        let control = self.control
        let allNodes = self.nodes
        let allLoops = self.nodeLoops
        try generatorLoop.submit {
            control.value.clock = clock
            control.value.endpoints = endpoints
        }.wait()
        // Everything starts at run time zero: now, or when the shared clock says so.
        let zero = clock.deadline(.zero)
        let starting = local.map { i in
            let node = nodes[i]!
            return nodeLoops[i]!.scheduleTask(deadline: zero) {
                node.value.clock = clock
                node.value.window = window
                node.value.startReplica()
            }.futureResult
        }
        try EventLoopFuture.andAllSucceed(starting, on: generatorLoop).wait()
        guard layout.generator else { return clock }
        try generatorLoop.scheduleTask(deadline: zero) {
            let g = generator.value
            g.clock = clock
            g.window = window
            g.stopAfterCompletions = stopAfterCompletions
            g.onWindowClosed = { end in
                for i in allNodes.indices {
                    guard let node = allNodes[i], let loop = allLoops[i] else { continue }
                    loop.execute { node.value.window.end = end }
                }
                control.value.windowClosed(at: end)
            }
            g.begin()
        }.futureResult.wait()
        return clock
    }

    /// Listening on every interface still means dialling loopback.
    static func connectHost(for bindHost: String) -> String {
        bindHost == "0.0.0.0" ? "127.0.0.1" : bindHost == "::" ? "::1" : bindHost
    }

    /// Waits until every local replica has dialled every peer (and heard the generator's hello, when
    /// the generator runs here), and the generator is connected to every replica.
    /// `abortCheck` is asked while waiting; a reason it returns ends the wait with that error.
    private func awaitConnectivity(abortCheck: (@Sendable () -> String?)?) throws {
        let n = cluster.replicaCount
        let deadline = NIODeadline.now() + .nanoseconds(options.connectTimeout.nanoseconds)
        let needDrivers = layout.awaitGenerator ? 1 : 0
        while true {
            let states = try local.map { i in
                let node = nodes[i]!
                return try nodeLoops[i]!.submit { node.value.connectivity }.wait()
            }
            let generator = self.generator
            let generatorConnected = layout.generator ? try generatorLoop.submit { generator.value.connectedCount }.wait() : n
            let needPeers = layout.awaitPeers ? n - 1 : 0
            if generatorConnected == n, states.allSatisfy({ $0.peersOut >= needPeers && $0.drivers >= needDrivers }) { return }
            if let reason = abortCheck?() { throw LoopbackError(reason) }
            if NIODeadline.now() > deadline {
                throw LoopbackError("connections did not all come up within \(options.connectTimeout): replicas \(states.map { "\($0.peersOut)/\(n - 1) peers" }.joined(separator: ", ")), generator \(generatorConnected)/\(n)")
            }
            try sleep(for: .milliseconds(2))
        }
    }

    // MARK: - Running

    /// Blocks the calling thread for `interval`.
    public func sleep(for interval: Interval) throws {
        try generatorLoop.scheduleTask(in: .nanoseconds(max(0, interval.nanoseconds))) {}.futureResult.wait()
    }

    /// Blocks until run time `instant`.
    public func sleep(until instant: Instant, clock: RunClock) throws {
        try generatorLoop.scheduleTask(deadline: clock.deadline(instant)) {}.futureResult.wait()
    }

    /// With `stopAfterCompletions`: blocks until that many operations completed inside the window, or
    /// until run time `limit`. Returns when the window closed (nil: the limit came first).
    public func waitForWindowToClose(limit: Instant) throws -> Instant? {
        let control = self.control
        return try generatorLoop.flatSubmit { control.value.windowClosedFuture(limit: limit) }.wait()
    }

    /// Closes the measurement window at run time `end` everywhere (when `--ops` were not reached in time).
    public func closeWindow(at end: Instant) throws {
        let generator = self.generator
        try generatorLoop.submit {
            generator.value.window.end = end
            generator.value.stopAfterCompletions = nil
            generator.value.onWindowClosed = nil
        }.wait()
        for i in local {
            let node = nodes[i]!
            try nodeLoops[i]!.submit { node.value.window.end = end }.wait()
        }
    }

    /// Clients finish what they have outstanding and start nothing new.
    public func stopIssuing() throws {
        let generator = self.generator
        try generatorLoop.submit { generator.value.issuing = false }.wait()
    }

    /// The addresses the replicas listen on (valid after `start`).
    public func endpoints() throws -> [Loopback.Endpoint] {
        let control = self.control
        return try generatorLoop.submit { control.value.endpoints }.wait()
    }

    // MARK: - Results

    /// What every local replica's shell observed so far.
    public func replicaReports() throws -> [ReplicaReport] {
        try local.map { try replicaReport($0) }
    }

    /// What local replica `id` observed so far; `appliedFrom` leaves out the applied effects before it.
    public func replicaReport(_ id: Int, appliedFrom: Int = 0) throws -> ReplicaReport {
        guard let node = nodes[id], let loop = nodeLoops[id] else { throw LoopbackError("replica \(id) does not run in this process") }
        return try loop.submit { node.value.report(appliedFrom: appliedFrom) }.wait()
    }

    /// What the load generator observed so far.
    public func generatorReport() throws -> GeneratorReport {
        let generator = self.generator
        return try generatorLoop.submit {
            let g = generator.value
            return GeneratorReport(records: g.driver.records, counts: g.counts, completedInWindow: g.driver.completedInWindow,
                                   window: g.driver.window, outstanding: g.driver.outstandingOperations)
        }.wait()
    }

    // MARK: - Shutdown

    /// Closes every channel and shuts the event loops down. Gives up waiting (with a log line) after
    /// `options.shutdownTimeout`, so a run never hangs on exit. Call it exactly once.
    public func shutdown() {
        let timeout = DispatchTime.now() + .nanoseconds(Int(options.shutdownTimeout.nanoseconds))
        var closing = local.map { i in
            let node = nodes[i]!
            return nodeLoops[i]!.flatSubmit { node.value.stop() }
        }
        let generator = self.generator
        let control = self.control
        closing.append(generatorLoop.flatSubmit {
            control.value.cancelScheduledFaults()
            return generator.value.stop()
        })
        let closed = DispatchSemaphore(value: 0)
        EventLoopFuture.andAllComplete(closing, on: generatorLoop).whenComplete { _ in closed.signal() }
        if closed.wait(timeout: timeout) == .timedOut {
            options.logger.error("loopback shutdown: channels did not all close within \(options.shutdownTimeout); shutting the event loops down anyway")
        }
        for g in [Optional(group), generatorGroup].compactMap({ $0 }) {
            let done = DispatchSemaphore(value: 0)
            g.shutdownGracefully(queue: .global()) { _ in done.signal() }
            if done.wait(timeout: timeout) == .timedOut {
                options.logger.error("loopback shutdown: event loops did not stop within \(options.shutdownTimeout); leaving them")
            }
        }
    }
}

/// What the load generator observed: every operation, the request counts, the window.
public struct GeneratorReport: Sendable {
    public var records: [OperationRecord]
    public var counts: MessageCounts
    public var completedInWindow: Int
    public var window: RunWindow
    public var outstanding: Int

    public init(records: [OperationRecord], counts: MessageCounts, completedInWindow: Int, window: RunWindow, outstanding: Int) {
        self.records = records
        self.counts = counts
        self.completedInWindow = completedInWindow
        self.window = window
        self.outstanding = outstanding
    }
}
