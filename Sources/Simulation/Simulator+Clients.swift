import Checker
import ConsensusCore
import ShellKit
import Workload

// MARK: - Clients: the kit's client driver, over simulated links

extension Simulator: ClientTransport {
    /// Client ↔ replica traffic uses the same latency model as replica links (no bandwidth queueing).
    func clientDelay(bytes: Int) -> Int64 {
        Int64(bytes) * picosPerByteOnLink / 1000 + propagationDelay()
    }

    public func sendRequest(_ request: ClientRequest, to: Int32) {
        chargeClientCPU(at: now.nanoseconds, replica: to, reading: false)
        let size = Wire.frameSize(of: request)
        count(kind: stats.requestKind, bytes: size, at: now.nanoseconds)
        guard reachability.clientLinkOpen(Int(to)) else { return }
        let copies = clientTrafficCopies()
        for _ in 0 ..< copies {
            queue.insert(entry(.request, at: now.nanoseconds + clientDelay(bytes: size), slot: requests.store(request), receiver: to))
        }
    }

    /// How many copies of a client request or reply arrive: 1, or with `clientTrafficFaults` 0 (lost)
    /// or 2 (duplicated), drawn as a replica link draws them.
    @inline(__always) func clientTrafficCopies() -> Int {
        guard options.network.clientTrafficFaults else { return 1 }
        if lossProbability > 0, random.chance(lossProbability) { return 0 }
        if options.network.duplicateProbability > 0, random.chance(options.network.duplicateProbability) { return 2 }
        return 1
    }

    /// The load generator's work on the CPU it shares, if it shares one: taken from whatever replica
    /// would run next there. With `eventLoopTicks` it also pays the tick's and the connection's
    /// syscalls, as a replica on that loop does (the generator is endpoint n).
    @inline(__always) func chargeClientCPU(at time: Int64, replica: Int32, reading: Bool) {
        guard clientCPU >= 0 else { return }
        let start = max(busyUntil[clientCPU], time)
        var syscalls: Int64 = 0
        if ticks.isOn {
            let generator = cluster.replicaCount
            syscalls = ticks.take(cpu: clientCPU, arrival: time, start: start)
            let peer = min(max(0, Int(replica)), generator - 1)  // a lying reply may name anyone
            syscalls += reading ? ticks.reads(cpu: clientCPU, from: peer, to: generator)
                                : ticks.writes(cpu: clientCPU, from: generator, to: peer)
        }
        busyUntil[clientCPU] = start + syscalls + (reading ? clientReplyCost : clientRequestCost)
    }

    public func armClientTimer(_ client: Int32, after: Interval, generation: UInt32) {
        schedule(at: now.nanoseconds + after.nanoseconds, .clientTimer(client: client, generation: generation))
    }

    /// Nothing to do: the driver bumped the client's generation, so the pending event is stale.
    public func cancelClientTimer(_ client: Int32) {}

    /// Open-loop gaps come from the run's one generator, in event order.
    public func arrivalDraw() -> Double { random.unit() }

    public func scheduleArrival(at: Instant) { schedule(at: at.nanoseconds, .arrival) }

    public func windowClosed(at end: Instant) {
        windowEnd = end  // both copies: the simulator's (message counts) and the driver's (completions)
        stopRequested = true
    }

    func sendReply(_ honest: ClientReply, from node: Int32, at time: Int64) {
        let behavior = byzantine[Int(node)]
        if behavior?.dropsReplies == true { return }
        let reply = behavior?.tamper(honest) { R.reauthenticated($0, cluster: cluster, settings: settings) } ?? honest
        let size = Wire.frameSize(of: reply)
        count(kind: stats.replyKind, bytes: size, at: time)
        guard reachability.clientLinkOpen(Int(node)) else { return }
        for _ in 0 ..< clientTrafficCopies() {
            var delay = clientDelay(bytes: size)
            if behavior?.delaysReplies == true { delay += options.network.slowDelay.nanoseconds }
            schedule(at: time + delay, .deliverReply(reply))
        }
    }

    /// Sends a request on a test's behalf from an external client id (beyond the workload's sessions);
    /// replies collect in `externalReplies`.
    public func submit(_ request: ClientRequest, to replica: NodeID) {
        clientDriver.recordExternal(request)
        sendRequest(request, to: replica.rawValue)
    }

    // MARK: The driver's state, as the harness and tests read it

    /// The workload's sessions.
    public var clients: [ClientSession] { clientDriver.sessions }
    /// Every operation any client started, in start order.
    public var records: [OperationRecord] { clientDriver.records }
    /// Replies to requests that `submit` sent on a test's behalf.
    public var externalReplies: [ClientReply] { clientDriver.externalReplies }
    /// Once false, clients finish what they have outstanding and start nothing new.
    public var issuing: Bool {
        get { clientDriver.issuing }
        set { clientDriver.issuing = newValue }
    }
    /// Stop the run (and close the window) when this many operations completed inside the window.
    public var stopAfterCompletions: Int? {
        get { clientDriver.stopAfterCompletions }
        set { clientDriver.stopAfterCompletions = newValue }
    }
    public var completedInWindow: Int { clientDriver.completedInWindow }
    /// Operations still outstanding.
    public var outstandingOperations: Int { clientDriver.outstandingOperations }

    /// Messages and completions count from here ...
    public var windowStart: Instant {
        get { window.start }
        set {
            window.start = newValue
            clientDriver.window.start = newValue
        }
    }
    /// ... up to here (exclusive).
    public var windowEnd: Instant {
        get { window.end }
        set {
            window.end = newValue
            clientDriver.window.end = newValue
        }
    }
}
