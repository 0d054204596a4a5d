import ConsensusCore
import Logging
import NIOCore
import NIOPosix
import ShellKit
import Workload

/// The load generator: the kit's `ClientDriver` (the same client code as the simulator's) over TCP,
/// with real timers on one event loop. It holds one connection to every replica (client sessions share
/// it; a request frame's sender field carries this generator's id); the driver records every operation
/// for the latency figures and the linearizability check.
final class LoadGenerator {
    typealias Connection = FramedConnection

    let driverID: Int32
    let replicaCount: Int
    let workload: WorkloadSpec
    let options: Loopback.Options
    let loop: EventLoop
    let logger: Logger

    var clock = RunClock(base: 0)
    var endpoints: [Loopback.Endpoint] = []
    var connections: [Connection?]
    var dialling: [Bool]
    var live = false

    // MARK: Clients
    let driver: ClientDriver
    var arrivals: DeterministicRandom
    /// Per client slot: the request timer or the redirect back-off; the last slot: the next open-loop arrival.
    let timers: LazyTimers

    // MARK: Measurement
    var counts: MessageCounts
    /// Called once, on this loop, when `stopAfterCompletions` is reached, with the window's new end.
    var onWindowClosed: ((Instant) -> Void)?

    let flushes: FlushBatch

    init(driverID: Int32, clientIDStride: Int = 1, replicaCount: Int, workload: WorkloadSpec, contract: ClientContract,
         credentials: (any ClientCredentials)?, kindCount: Int,
         random: DeterministicRandom, arrivals: DeterministicRandom, options: Loopback.Options, loop: EventLoop) {
        self.driverID = driverID
        self.replicaCount = replicaCount
        self.workload = workload
        self.options = options
        self.loop = loop
        var logger = options.logger
        logger[metadataKey: "generator"] = "\(driverID)"
        self.logger = logger
        driver = ClientDriver(workload: workload, contract: contract, replicaCount: replicaCount, random: random,
                              credentials: credentials)
        driver.issuing = false
        driver.clientIDStride = clientIDStride
        driver.clientIDOffset = Int(driverID)
        self.arrivals = arrivals
        connections = Array(repeating: nil, count: replicaCount)
        dialling = Array(repeating: false, count: replicaCount)
        counts = MessageCounts(kindCount: kindCount)
        flushes = FlushBatch(loop: loop)
        timers = LazyTimers(loop: loop, slots: workload.clients + 1)
        timers.onDue = { [unowned self] slot in self.timerDue(slot) }
    }

    var arrivalSlot: Int { workload.clients }
    var connectedCount: Int { connections.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    // MARK: The driver's state, as the cluster's controller reads and sets it

    var window: RunWindow {
        get { driver.window }
        set { driver.window = newValue }
    }
    var issuing: Bool {
        get { driver.issuing }
        set { driver.issuing = newValue }
    }
    var stopAfterCompletions: Int? {
        get { driver.stopAfterCompletions }
        set { driver.stopAfterCompletions = newValue }
    }

    // MARK: - Starting and stopping

    /// Starts every closed-loop client now, or the open-loop arrivals.
    func begin() {
        driver.issuing = true
        let now = clock.now()
        driver.makeSessions(openLoopStart: now)
        if driver.isOpenLoop {
            driver.arrivalsDue(via: self)
        } else {
            for c in 0 ..< Int32(driver.clientCount) { driver.startClient(c, scheduled: now, via: self) }
        }
    }

    /// Stops the generator for good; the future completes when its connections have closed.
    func stop() -> EventLoopFuture<Void> {
        driver.issuing = false
        live = false
        timers.cancelAll()
        var closing: [EventLoopFuture<Void>] = []
        for j in connections.indices {
            if let ch = connections[j]?.channel { closing.append(ch.closeFuture) }
            connections[j]?.close()
            connections[j] = nil
        }
        flushes.removeAll()
        return EventLoopFuture.andAllComplete(closing, on: loop)
    }

    func timerDue(_ slot: Int) {
        if slot == arrivalSlot {
            driver.arrivalsDue(via: self)
        } else {
            driver.clientTimerDue(client: Int32(slot), generation: nil, via: self)
        }
    }

    // MARK: - Connections

    func dialAll() {
        live = true
        for j in 0 ..< replicaCount { dial(j) }
    }

    func dial(_ j: Int) {
        guard live, j < endpoints.count, connections[j] == nil, !dialling[j] else { return }
        dialling[j] = true
        Loopback.dial(endpoints[j], on: loop) { [self] in makeConnection(role: .replica(NodeID(j))) }
            .assumeIsolated()
            .whenComplete { [self] result in
                dialling[j] = false
                if case .failure = result { redial(j) }
            }
    }

    func redial(_ j: Int) {
        guard live else { return }
        loop.assumeIsolated().scheduleTask(in: .nanoseconds(options.reconnectInterval.nanoseconds)) { [self] in dial(j) }
    }

    func connectionActive(_ connection: Connection) {
        guard live, case .replica(let j) = connection.role else {
            connection.close()
            return
        }
        if let old = connections[j.index], old !== connection { old.close() }
        connections[j.index] = connection
        connection.write(channel: .clientRequest, sender: driverID) { _ in }  // hello: names this generator
    }

    func connectionClosed(_ connection: Connection) {
        guard case .replica(let j) = connection.role, connections[j.index] === connection else { return }
        connections[j.index] = nil
        redial(j.index)
    }

    func received(_ frame: inout Frame, on connection: Connection) throws(ConnectionError) {
        guard case .replica(let j) = connection.role, frame.channel == .clientReply, frame.sender == j.rawValue else {
            throw ConnectionError("\(frame.channel) frame claiming sender \(frame.sender) on the connection to replica \(connection.role)")
        }
        let reply: ClientReply
        do { reply = try ClientReply.decode(from: &frame.body) } catch { throw ConnectionError(error) }
        if frame.body.remaining != 0 { throw ConnectionError(WireError.trailingBytes(frame.body.remaining)) }
        driver.received(reply, via: self)
    }

    func needsFlush(_ connection: Connection) { flushes.needsFlush(connection) }

    /// A connection whose callbacks call this generator's methods (held strongly until it closes).
    func makeConnection(role: ConnectionRole) -> Connection {
        Connection(role: role, logger: logger, owner: ConnectionCallbacks(
            frame: { [self] (frame: inout Frame, connection: Connection) throws(ConnectionError) in
                try received(&frame, on: connection)
            },
            active: { [self] in connectionActive($0) },
            closed: { [self] in connectionClosed($0) },
            needsFlush: { [self] in needsFlush($0) }))
    }
}

// MARK: - The client driver's transport: frames on real sockets, timers on this loop

extension LoadGenerator: ClientTransport {
    var now: Instant { clock.now() }

    /// A request leaves: counted (kind `request`, frame bytes), then written if the replica is connected.
    func sendRequest(_ request: ClientRequest, to replica: Int32) {
        counts.count(kind: counts.requestKind, bytes: Wire.frameSize(of: request), at: clock.now(), window: driver.window)
        connections[Int(replica)]?.write(channel: .clientRequest, sender: driverID) { request.encode(into: &$0) }
    }

    /// Re-arming replaces the earlier arming (`LazyTimers`), so generations are not needed here.
    func armClientTimer(_ client: Int32, after: Interval, generation: UInt32) {
        timers.arm(Int(client), at: clock.uptime(clock.now() + after))
    }

    func cancelClientTimer(_ client: Int32) { timers.cancel(Int(client)) }

    /// Open-loop gaps come from a generator of its own, derived from the seed after the replicas' and
    /// the workload's (the simulator draws them from its one generator, in event order).
    func arrivalDraw() -> Double { arrivals.unit() }

    func scheduleArrival(at: Instant) { timers.arm(arrivalSlot, at: clock.uptime(at)) }

    func windowClosed(at end: Instant) {
        onWindowClosed?(end)
        onWindowClosed = nil
    }
}
