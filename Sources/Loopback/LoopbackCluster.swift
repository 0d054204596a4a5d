import ConsensusCore
import Dispatch
import Logging
import NIOCore
import NIOPosix
import Workload

/// A whole cluster over real TCP in one process: `n` replicas, each confined to one event loop of a
/// `MultiThreadedEventLoopGroup` (replica i on loop i mod threads), each listening on its own port, plus
/// the load generator on an event loop of its own or of the group. The controller's methods block the
/// calling thread (never call them from an event loop) and hand all work to the loops as tasks.
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
    let nodeLoops: [EventLoop]
    let nodes: [NIOLoopBound<ReplicaNode<R>>]
    let generatorLoop: EventLoop
    let generator: NIOLoopBound<LoadGenerator>
    /// Fault state and the run's clock, confined to the generator's loop.
    let control: NIOLoopBound<ControlState<R>>

    public init(cluster: ClusterConfig, settings: R.Settings, workload: WorkloadSpec, seed: UInt64,
                options: Loopback.Options = Loopback.Options()) throws {
        precondition(MultiThreadedEventLoopGroup.currentEventLoop == nil, "LoopbackCluster blocks: do not drive it from an event loop")
        self.cluster = cluster
        self.settings = settings
        self.workload = workload
        self.options = options
        kindNames = R.Message.kindNames + ["request", "reply"]
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
        var loopOf: [EventLoop] = []
        var built: [NIOLoopBound<ReplicaNode<R>>] = []
        for i in 0 ..< cluster.replicaCount {
            let loop = loops[i % loops.count]
            let r = random.derive()
            let made = try loop.submit {
                NIOLoopBound(ReplicaNode<R>(id: NodeID(i), cluster: cluster, settings: settings, random: r, driverCount: 1,
                                            options: options, loop: loop), eventLoop: loop)
            }.wait()
            loopOf.append(loop)
            built.append(made)
        }
        nodeLoops = loopOf
        nodes = built
        let contract = R.clientContract(cluster: cluster, settings: settings)
        let operationsRandom = random.derive()
        let arrivalsRandom = random.derive()
        let controlRandom = random.derive()
        let gl = generatorLoop
        let kinds = kindNames.count
        let n = cluster.replicaCount
        generator = try gl.submit {
            NIOLoopBound(LoadGenerator(driverID: 0, replicaCount: n, workload: workload, contract: contract, kindCount: kinds,
                                       random: operationsRandom, arrivals: arrivalsRandom, options: options, loop: gl), eventLoop: gl)
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
    public func start(window: RunWindow, stopAfterCompletions: Int? = nil) throws -> RunClock {
        let listening = nodes.indices.map { i in
            let node = nodes[i]
            return nodeLoops[i].flatSubmit {
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
        let endpoints = ports.map { Loopback.Endpoint(host: host, port: $0) }
        for i in nodes.indices {
            let node = nodes[i]
            nodeLoops[i].execute {
                node.value.peerEndpoints = endpoints
                node.value.dialPeers()
            }
        }
        let generator = self.generator
        generatorLoop.execute {
            generator.value.endpoints = endpoints
            generator.value.dialAll()
        }
        try awaitConnectivity()

        let clock = RunClock.startingNow()
        let control = self.control
        let allNodes = self.nodes
        let allLoops = self.nodeLoops
        try generatorLoop.submit {
            control.value.clock = clock
            control.value.endpoints = endpoints
        }.wait()
        let starting = nodes.indices.map { i in
            let node = nodes[i]
            return nodeLoops[i].submit {
                node.value.clock = clock
                node.value.window = window
                node.value.startReplica()
            }
        }
        try EventLoopFuture.andAllSucceed(starting, on: generatorLoop).wait()
        try generatorLoop.submit {
            let g = generator.value
            g.clock = clock
            g.window = window
            g.stopAfterCompletions = stopAfterCompletions
            g.onWindowClosed = { end in
                for i in allNodes.indices {
                    let node = allNodes[i]
                    allLoops[i].execute { node.value.window.end = end }
                }
                control.value.windowClosed(at: end)
            }
            g.begin()
        }.wait()
        return clock
    }

    /// Listening on every interface still means dialling loopback.
    static func connectHost(for bindHost: String) -> String {
        bindHost == "0.0.0.0" ? "127.0.0.1" : bindHost == "::" ? "::1" : bindHost
    }

    /// Waits until every replica has dialled every peer and heard the generator's hello, and the
    /// generator is connected to every replica.
    private func awaitConnectivity() throws {
        let n = cluster.replicaCount
        let deadline = NIODeadline.now() + .nanoseconds(options.connectTimeout.nanoseconds)
        while true {
            let states = try nodes.indices.map { i in
                let node = nodes[i]
                return try nodeLoops[i].submit { node.value.connectivity }.wait()
            }
            let generator = self.generator
            let generatorConnected = try generatorLoop.submit { generator.value.connectedCount }.wait()
            if generatorConnected == n, states.allSatisfy({ $0.peersOut == n - 1 && $0.drivers == 1 }) { return }
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
        for i in nodes.indices {
            let node = nodes[i]
            try nodeLoops[i].submit { node.value.window.end = end }.wait()
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

    /// What every replica's shell observed so far.
    public func replicaReports() throws -> [ReplicaReport] {
        try nodes.indices.map { i in
            let node = nodes[i]
            return try nodeLoops[i].submit { node.value.report }.wait()
        }
    }

    /// What the load generator observed so far.
    public func generatorReport() throws -> GeneratorReport {
        let generator = self.generator
        return try generatorLoop.submit {
            let g = generator.value
            return GeneratorReport(records: g.records, counts: g.counts, completedInWindow: g.completedInWindow, window: g.window,
                                   outstanding: g.clients.reduce(0) { $0 + ($1.outstanding == nil ? 0 : 1) })
        }.wait()
    }

    // MARK: - Shutdown

    /// Closes every channel and shuts the event loops down. Gives up waiting (with a log line) after
    /// `options.shutdownTimeout`, so a run never hangs on exit. Call it exactly once.
    public func shutdown() {
        let timeout = DispatchTime.now() + .nanoseconds(Int(options.shutdownTimeout.nanoseconds))
        var closing = nodes.indices.map { i in
            let node = nodes[i]
            return nodeLoops[i].flatSubmit { node.value.stop() }
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
    public var counts: SendCounts
    public var completedInWindow: Int
    public var window: RunWindow
    public var outstanding: Int
}
