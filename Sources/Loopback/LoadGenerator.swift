import ConsensusCore
import Logging
import NIOCore
import NIOPosix
import Workload
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The load generator: the workload's pure `ClientSession`s, the same as in the simulator, driven over
/// TCP with real timers on one event loop. It holds one connection to every replica (client sessions
/// share it; a request frame's sender field carries this generator's id) and records every operation
/// for the latency figures and the linearizability check.
final class LoadGenerator {
    typealias Connection = FramedConnection

    let driverID: Int32
    let replicaCount: Int
    let workload: WorkloadSpec
    let contract: ClientContract
    let options: Loopback.Options
    let loop: EventLoop
    let logger: Logger

    var clock = RunClock(base: 0)
    var window = RunWindow(start: .zero, end: Instant(nanoseconds: .max))
    var endpoints: [Loopback.Endpoint] = []
    var connections: [Connection?]
    var dialling: [Bool]
    var live = false

    // MARK: Clients
    var clients: [ClientSession] = []
    var operations: OperationSource
    var arrivals: DeterministicRandom
    /// Every operation any client started, in start order.
    var records: [OperationRecord] = []
    /// Per client slot: the request timer or the redirect back-off; the last slot: the next open-loop arrival.
    let timers: LazyTimers
    var timerIsBackoff: [Bool]
    /// Once false, clients finish what they have outstanding and start nothing new.
    var issuing = false
    var freeClients: [Int32] = []
    var backlog: [Instant] = []
    var backlogHead = 0
    var nextArrival = Instant.zero

    // MARK: Measurement
    var counts: SendCounts
    var completedInWindow = 0
    var stopAfterCompletions: Int?
    /// Called once, on this loop, when `stopAfterCompletions` is reached, with the window's new end.
    var onWindowClosed: ((Instant) -> Void)?

    var flushList: [Connection] = []
    var flushScheduled = false

    init(driverID: Int32, replicaCount: Int, workload: WorkloadSpec, contract: ClientContract, kindCount: Int,
         random: DeterministicRandom, arrivals: DeterministicRandom, options: Loopback.Options, loop: EventLoop) {
        self.driverID = driverID
        self.replicaCount = replicaCount
        self.workload = workload
        self.contract = contract
        self.options = options
        self.loop = loop
        var logger = options.logger
        logger[metadataKey: "generator"] = "\(driverID)"
        self.logger = logger
        operations = OperationSource(spec: workload, random: random)
        self.arrivals = arrivals
        connections = Array(repeating: nil, count: replicaCount)
        dialling = Array(repeating: false, count: replicaCount)
        counts = SendCounts(kindCount: kindCount)
        timers = LazyTimers(loop: loop, slots: workload.clients + 1)
        timerIsBackoff = Array(repeating: false, count: workload.clients)
        timers.onDue = { [unowned self] slot in self.timerDue(slot) }
    }

    var requestKind: Int { counts.counts.count - 2 }
    var arrivalSlot: Int { workload.clients }
    var connectedCount: Int { connections.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    // MARK: - Starting and stopping

    /// Starts every closed-loop client now, or the open-loop arrivals.
    func begin() {
        issuing = true
        clients.reserveCapacity(workload.clients)
        for c in 0 ..< workload.clients {
            clients.append(ClientSession(id: ClientID(c), contract: contract, replicaCount: replicaCount))
        }
        let now = clock.now()
        if workload.ratePerSecond == nil {
            for c in 0 ..< workload.clients { beginOperation(client: Int32(c), scheduled: now) }
        } else {
            freeClients = (0 ..< Int32(workload.clients)).reversed()
            nextArrival = now
            arrivalsDue()
        }
    }

    /// Stops the generator for good; the future completes when its connections have closed.
    func stop() -> EventLoopFuture<Void> {
        issuing = false
        live = false
        timers.cancelAll()
        var closing: [EventLoopFuture<Void>] = []
        for j in connections.indices {
            if let ch = connections[j]?.channel { closing.append(ch.closeFuture) }
            connections[j]?.close()
            connections[j] = nil
        }
        flushList.removeAll()
        return EventLoopFuture.andAllComplete(closing, on: loop)
    }

    // MARK: - Operations

    func beginOperation(client: Int32, scheduled: Instant) {
        let c = Int(client)
        let command = operations.next(client: clients[c].id, sequence: clients[c].nextSequence)
        let (request, action) = clients[c].begin(command)
        clients[c].recordIndex = records.count
        records.append(OperationRecord(client: request.client, sequence: request.sequence, command: command,
                                       scheduled: scheduled, invoked: clock.now(), completed: nil, result: nil,
                                       status: .unknown, retries: 0))
        perform(action, client: client)
    }

    /// Carries out what a client session asked for (as the simulator's `perform`).
    func perform(_ action: ClientSession.Action, client: Int32) {
        let c = Int(client)
        switch action {
        case .none:
            return
        case .send(let to):
            guard let request = clients[c].outstanding else { return }
            sendRequest(request, to: to.index)
            armClientTimer(c, after: workload.requestTimeout, isBackoff: false)
        case .sendToAll:
            guard let request = clients[c].outstanding else { return }
            for j in 0 ..< replicaCount { sendRequest(request, to: j) }
            armClientTimer(c, after: workload.requestTimeout, isBackoff: false)
        case .retryLater(let after):
            armClientTimer(c, after: after, isBackoff: true)
        case .completed(let result):
            complete(client: client, result: result)
        }
    }

    func armClientTimer(_ c: Int, after: Interval, isBackoff: Bool) {
        timerIsBackoff[c] = isBackoff
        timers.arm(c, at: clock.uptime(clock.now() + after))
    }

    /// A request leaves: counted (kind `request`, frame bytes), then written if the replica is connected.
    func sendRequest(_ request: ClientRequest, to j: Int) {
        counts.count(kind: requestKind, bytes: Wire.frameSize(of: request), at: clock.now(), window: window)
        connections[j]?.write(channel: .clientRequest, sender: driverID) { request.encode(into: &$0) }
    }

    func clientReceived(_ reply: ClientReply) {
        let c = reply.client.index
        guard c < clients.count else { return }
        let action = clients[c].receive(reply)
        if case .completed = action {
            perform(action, client: Int32(c))
        } else if action != .none {
            records[clients[c].recordIndex].retries += 1
            perform(action, client: Int32(c))
        }
    }

    func timerDue(_ slot: Int) {
        if slot == arrivalSlot {
            arrivalsDue()
            return
        }
        guard slot < clients.count, clients[slot].outstanding != nil else { return }
        records[clients[slot].recordIndex].retries += 1
        perform(timerIsBackoff[slot] ? clients[slot].retryDue() : clients[slot].timedOut(), client: Int32(slot))
    }

    func complete(client: Int32, result: CommandResult) {
        let c = Int(client)
        timers.cancel(c)
        let now = clock.now()
        let index = clients[c].recordIndex
        records[index].completed = now
        records[index].result = result
        if case .swapped(false, _) = result { records[index].status = .fail } else { records[index].status = .ok }
        if window.contains(now) {
            completedInWindow += 1
            if let limit = stopAfterCompletions, completedInWindow >= limit {
                window.end = Instant(nanoseconds: now.nanoseconds + 1)
                issuing = false
                onWindowClosed?(window.end)
                onWindowClosed = nil
            }
        }
        guard issuing else { return }
        if workload.ratePerSecond == nil {
            beginOperation(client: client, scheduled: now)
        } else if backlogHead < backlog.count {
            let scheduled = backlog[backlogHead]
            backlogHead += 1
            beginOperation(client: client, scheduled: scheduled)
        } else {
            freeClients.append(client)
        }
    }

    /// Open loop: Poisson arrivals at the target rate. Every arrival that is due starts now (or waits in
    /// the backlog for a free session); its latency counts from its scheduled time either way.
    func arrivalsDue() {
        guard issuing, let rate = workload.ratePerSecond, rate > 0 else { return }
        let now = clock.now()
        while nextArrival <= now {
            if let client = freeClients.popLast() {
                beginOperation(client: client, scheduled: nextArrival)
            } else {
                if backlogHead > 4096 && backlogHead * 2 > backlog.count {
                    backlog.removeFirst(backlogHead)
                    backlogHead = 0
                }
                backlog.append(nextArrival)
            }
            let u = max(arrivals.unit(), 1e-12)
            nextArrival = nextArrival + Interval(nanoseconds: max(1, Int64((-log(u) / rate * 1e9).rounded())))
        }
        timers.arm(arrivalSlot, at: clock.uptime(nextArrival))
    }

    // MARK: - Connections

    func dialAll() {
        live = true
        for j in 0 ..< replicaCount { dial(j) }
    }

    func dial(_ j: Int) {
        guard live, j < endpoints.count, connections[j] == nil, !dialling[j] else { return }
        dialling[j] = true
        let box = NIOLoopBound(self, eventLoop: loop)
        let endpoint = endpoints[j]
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.milliseconds(500))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(box.value.makeConnection(role: .replica(NodeID(j))))
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
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

    func makeConnection(role: ConnectionRole) -> Connection {
        Connection(role: role, logger: logger, owner: ConnectionCallbacks(
            frame: { [self] (frame: inout Frame, connection: Connection) throws(ConnectionError) in
                try received(&frame, on: connection)
            },
            active: { [self] in connectionActive($0) },
            closed: { [self] in connectionClosed($0) },
            needsFlush: { [self] in needsFlush($0) }))
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
        clientReceived(reply)
    }

    func needsFlush(_ connection: Connection) {
        flushList.append(connection)
        if !flushScheduled {
            flushScheduled = true
            loop.assumeIsolated().execute { [self] in
                flushScheduled = false
                for c in flushList { c.flush() }
                flushList.removeAll(keepingCapacity: true)
            }
        }
    }
}
