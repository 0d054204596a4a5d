import Checker
import ConsensusCore
import DequeModule
import ShellKit
import Workload

/// A single-threaded discrete-event simulator of one cluster and its clients: virtual time in
/// nanoseconds, one seeded PRNG from which every random choice derives, and an event queue ordered by
/// (time, sequence). It is the shell: it does all IO for the pure replicas, counts every message as it
/// leaves a node, injects faults and checks safety as replicas apply commands. What every shell does
/// the same way (client driving, Byzantine tampering, reachability, counting) comes from ShellKit; this
/// type adds how virtual time passes and how the simulated network carries bytes.
public final class Simulator<R: Replica> {
    public typealias Message = R.Message

    public let cluster: ClusterConfig
    public let settings: R.Settings
    public let options: SimulationOptions
    public let clientContract: ClientContract

    // MARK: Time and randomness
    /// Everything scheduled but replicas' wake-ups, as small trivially-copyable entries; what they refer
    /// to waits in `events`, `messages` and `requests`, so reordering the queue never copies a message.
    var queue = CalendarQueue()
    /// Wake-ups of busy replicas (at most one each), apart from the big queue: they are half of a large
    /// PBFT run's events, and a heap of n entries costs a few cache-resident steps. Entries of both
    /// queues share one sequence, so taking the earlier of the two minima is the same total order.
    var wakes = EventQueue()
    /// The wake-up being handled is still the root of `wakes`: the replica's next wake-up, if it
    /// schedules one, takes its place in one pass instead of a removal and an insertion.
    var wakeAtRoot = false
    var events = Slab<EventKind>()
    /// Peer messages in flight, each stored once however many receivers it has (PBFT at n=100 would
    /// otherwise hold 99 copies of every PREPARE in flight); see Simulator+Messages.swift.
    var messages = MessageTable<Message>()
    /// Client requests on their way to a replica or waiting in its inbox.
    var requests = Slab<ClientRequest>()
    var nextSequence: UInt64 = 0
    public internal(set) var now: Instant = .zero
    var random: DeterministicRandom
    /// Events handled so far (the simulator's own speed is events per wall second).
    public internal(set) var eventsProcessed = 0

    // MARK: Replicas
    var replicas: [R]
    var up: [Bool]
    var incarnation: [UInt32]
    /// When each CPU is free again; replica i runs on CPU `cpuOf[i]` (itself, unless `sharedCPUs`).
    var busyUntil: [Int64]
    let cpuOf: [Int]
    let sharesCPUs: Bool
    /// With shared CPUs: the replicas waiting for each CPU, and whether its next turn is scheduled.
    var runQueue: [Deque<Int32>]
    var cpuWakeScheduled: [Bool]
    /// The CPU the load generator shares (`SimulationOptions.clientCPU`), -1 for none, and what each
    /// request sent or reply read costs it.
    let clientCPU: Int
    let clientRequestCost: Int64
    let clientReplyCost: Int64
    /// Inputs waiting while a replica is busy, oldest first. A deque, not an array with a head index:
    /// a replica that never drains (every replica of a large PBFT cluster under load) would otherwise keep
    /// every input it ever handled, and the authenticators they reference, alive.
    var inbox: [Deque<PendingInput>]
    var wakeScheduled: [Bool]
    /// The event loops' ticks and syscalls, when the run models them (EventLoopTicks.swift).
    var ticks: TickLedger
    /// With `eventLoopTicks`: the CPU whose replica's step is being carried out, whose sends wait for
    /// its tick's flush (-1: sends leave at once, as in a replica's start or a held send's release).
    var flushingCPU = -1
    /// Per node × timer id: the generation of the live arming.
    var timerGeneration: [UInt32]
    static var maximumTimers: Int { TimerID.limit }
    var outbox = Outbox<Message>()
    public internal(set) var persistCount = 0

    // MARK: Disks (Simulator+Durability.swift)
    var disks: [SimulatedDisk<R>]
    var syncTimelines: [SyncTimeline]
    /// Per node: when the sync of the last record it wrote ends. Under `--sync fsync` nothing it sends
    /// leaves before that (a message may depend on any write before it).
    var sendsHeldUntil: [Int64]
    /// Reused for each persist's records.
    var journal: [R.JournalRecord] = []

    // MARK: Network
    /// Partitions and cut links in force.
    var reachability: Reachability
    /// When each directed link finishes transmitting what it already carries (bandwidth queueing).
    var linkFreeAt: [Int64]
    /// When the last in-order message on each directed link arrives: links are FIFO, as TCP is, so
    /// jitter never reorders a link; only the `reorder` fault does.
    var linkLastArrival: [Int64]
    var lossProbability: Double
    var extraLatency: Int64 = 0
    var byzantine: [ByzantineBehavior?]
    /// What each equivocating replica's shell remembers of its earlier proposals.
    var equivocationMemory: [EquivocationMemory<Message>]
    var picosPerByteOnLink: Int64

    // MARK: Clients
    /// The workload's sessions, the history and the window's completions (see Simulator+Clients.swift).
    let clientDriver: ClientDriver

    // MARK: Measurement
    /// Messages and bytes by kind inside the window (`messageKindNames`), and every message sent.
    public internal(set) var stats: MessageCounts
    public let messageKindNames: [String]
    /// The CPU model's per-kind costs in nanoseconds, indexed as `messageKindNames`: handling an input
    /// (a message, or `request`) and sending one message to one destination (a message, or `reply`).
    /// Raw memory, read once or more per message, without a retain or a bounds check.
    let handleCost: UnsafeMutablePointer<Int64>
    let sendCost: UnsafeMutablePointer<Int64>
    /// Messages count inside it; the client driver keeps its own copy for completions, set with it.
    var window = RunWindow.open(from: .zero)
    var stopRequested = false

    // MARK: Observation
    public internal(set) var safety: SafetyMonitor
    /// Every `becameLeader` any replica reported: (when, who, epoch).
    public internal(set) var leadership: [(at: Instant, node: NodeID, epoch: UInt64)] = []
    public internal(set) var currentLeader: NodeID?
    var currentLeaderEpoch: UInt64 = 0
    var lastCrashedLeader: NodeID?
    public internal(set) var leaderChangesInWindow = 0
    /// Log of faults as they were injected: (when, what, resolved target).
    public internal(set) var injectedFaults: [(at: Instant, description: String)] = []

    public init(cluster: ClusterConfig, settings: R.Settings, options: SimulationOptions) {
        self.cluster = cluster
        self.settings = settings
        self.options = options
        self.clientContract = R.clientContract(cluster: cluster, settings: settings)
        let n = cluster.replicaCount
        var random = DeterministicRandom(seed: options.seed)
        var built: [R] = []
        for i in 0 ..< n {
            built.append(R(id: NodeID(i), cluster: cluster, settings: settings, random: random.derive()))
        }
        replicas = built
        clientDriver = ClientDriver(workload: options.workload, contract: clientContract, replicaCount: n, random: random.derive(),
                                    credentials: R.clientCredentials(cluster: cluster, settings: settings))
        self.random = random
        up = Array(repeating: true, count: n)
        incarnation = Array(repeating: 0, count: n)
        let cpus = min(n, max(1, options.sharedCPUs ?? n))
        cpuOf = (0 ..< n).map { $0 % cpus }
        sharesCPUs = cpus < n
        runQueue = Array(repeating: [], count: cpus)
        cpuWakeScheduled = Array(repeating: false, count: cpus)
        if let c = options.clientCPU, options.sharedCPUs != nil {
            clientCPU = min(max(0, c.cpu), cpus - 1)
            clientRequestCost = c.perRequest.nanoseconds
            clientReplyCost = c.perReply.nanoseconds
        } else {
            clientCPU = -1
            clientRequestCost = 0
            clientReplyCost = 0
        }
        busyUntil = Array(repeating: 0, count: cpus)
        inbox = Array(repeating: [], count: n)
        wakeScheduled = Array(repeating: false, count: n)
        ticks = TickLedger(model: options.eventLoopTicks, replicas: n, cpus: cpus)
        timerGeneration = Array(repeating: 0, count: n * Self.maximumTimers)
        disks = Array(repeating: SimulatedDisk(), count: n)
        syncTimelines = Array(repeating: SyncTimeline(), count: n)
        sendsHeldUntil = Array(repeating: 0, count: n)
        reachability = Reachability(replicaCount: n)
        linkFreeAt = Array(repeating: 0, count: n * n)
        linkLastArrival = Array(repeating: 0, count: n * n)
        lossProbability = options.network.lossProbability
        byzantine = Array(repeating: nil, count: n)
        equivocationMemory = Array(repeating: EquivocationMemory(), count: n)
        picosPerByteOnLink = options.network.bandwidthBytesPerSecond > 0
            ? Int64((1e12 / options.network.bandwidthBytesPerSecond).rounded()) : 0
        messageKindNames = MessageCounts.kindNames(protocolKinds: Message.kindNames)
        stats = MessageCounts(kindCount: messageKindNames.count)
        handleCost = .allocate(capacity: messageKindNames.count)
        handleCost.initialize(from: options.cpu.handlingCosts(kindNames: messageKindNames), count: messageKindNames.count)
        sendCost = .allocate(capacity: messageKindNames.count)
        sendCost.initialize(from: options.cpu.sendingCosts(kindNames: messageKindNames), count: messageKindNames.count)
        safety = SafetyMonitor(replicaCount: n)
    }

    deinit {
        handleCost.deallocate()
        sendCost.deallocate()
    }

    // MARK: - Running

    /// Starts every replica at time zero, schedules the faults and the clients.
    public func start() {
        for i in 0 ..< cluster.replicaCount {
            outbox.clear()
            replicas[i].start(durable: nil, now: now, outbox: &outbox)
            carryOut(node: Int32(i), at: now.nanoseconds)
        }
        for (index, f) in options.faults.enumerated() {
            schedule(at: f.at.nanoseconds, .fault(index))
        }
        clientDriver.makeSessions(openLoopStart: options.clientStart)
        if !clientDriver.isOpenLoop {
            for c in 0 ..< Int32(clientDriver.clientCount) { schedule(at: options.clientStart.nanoseconds, .clientStart(client: c)) }
        } else if clientDriver.clientCount > 0 {
            schedule(at: options.clientStart.nanoseconds, .arrival)
        }
    }

    /// Runs every event up to and including `deadline`, then sets the clock to it.
    public func run(until deadline: Instant) {
        while !stopRequested, let entry = takeNext(until: deadline.nanoseconds) {
            now = Instant(nanoseconds: entry.time)
            eventsProcessed &+= 1
            switch entry.kind {
            case .message:
                guard up[Int(entry.receiver)] else {
                    messages.release(entry.slot)
                    continue
                }
                arrive(node: entry.receiver, .message(entry.slot), at: entry.time)
            case .request:
                guard up[Int(entry.receiver)] else {
                    _ = requests.take(entry.slot)
                    continue
                }
                arrive(node: entry.receiver, .request(entry.slot), at: entry.time)
            case .wake:
                wakeAtRoot = true
                wake(node: entry.receiver, at: entry.time)
                if wakeAtRoot {
                    wakeAtRoot = false
                    _ = wakes.removeMin()
                }
            case .event:
                dispatch(ScheduledEvent(time: entry.time, kind: events.take(entry.slot)))
            }
        }
        if !stopRequested, now < deadline { now = deadline }
    }

    public func run(for interval: Interval) { run(until: now + interval) }

    /// True once `stopAfterCompletions` was reached.
    public var stopped: Bool { stopRequested }

    /// Clears a stop so the run can go on (the harness's quiet period after the window).
    public func resume() { stopRequested = false }

    /// The earliest entry of the two queues if it is due by `deadline`: removed from the main queue; a
    /// wake-up stays at the root of `wakes` until it has been handled (see `wakeAtRoot`).
    func takeNext(until deadline: Int64) -> QueueEntry? {
        if let wake = wakes.min, queue.min().map({ wake < $0 }) ?? true {
            return wake.time <= deadline ? wake : nil
        }
        guard let top = queue.min(), top.time <= deadline else { return nil }
        return queue.removeMin()
    }

    /// A queue entry that takes the next sequence number: every entry of either queue is made here, so
    /// ties at one instant go in the order things were scheduled.
    func entry(_ kind: QueueEntry.Kind, at time: Int64, slot: Int32 = -1, receiver: Int32 = -1) -> QueueEntry {
        defer { nextSequence &+= 1 }
        return QueueEntry(time: time, sequence: nextSequence, kind: kind, slot: slot, receiver: receiver)
    }

    func schedule(at time: Int64, _ kind: EventKind) {
        queue.insert(entry(.event, at: time, slot: events.store(kind)))
    }

    func dispatch(_ event: ScheduledEvent) {
        switch event.kind {
        case .deliverReply(let reply):
            chargeClientCPU(at: event.time, replica: reply.replica.rawValue, reading: true)
            clientDriver.received(reply, via: self)
        case .timer(let node, let timer, let inc, let gen):
            let i = Int(node)
            guard up[i], incarnation[i] == inc,
                  timerGeneration[i * Self.maximumTimers + Int(timer.rawValue)] == gen else { return }
            var start = max(event.time, busyUntil[cpuOf[i]])
            if ticks.isOn { start += ticks.take(cpu: cpuOf[i], arrival: event.time, start: start) }
            outbox.clear()
            replicas[i].timerFired(timer, now: Instant(nanoseconds: start), outbox: &outbox)
            busyUntil[cpuOf[i]] = start
            carryOutStep(node: node, at: start)
        case .clientTimer(let client, let generation):
            clientDriver.clientTimerDue(client: client, generation: generation, via: self)
        case .clientStart(let client):
            clientDriver.startClient(client, via: self)
        case .arrival:
            if options.arrivalsAwaitLeader, currentLeader == nil {
                let retry = event.time + 1_000_000
                clientDriver.postponeArrivals(to: Instant(nanoseconds: retry))
                schedule(at: retry, .arrival)
            } else {
                clientDriver.arrivalsDue(via: self)
            }
        case .fault(let index):
            inject(options.faults[index].fault)
        case .heldSend(let slot, let from, let to, let inc):
            releaseHeld(slot: slot, from: from, to: to, incarnation: inc, at: event.time)
        case .heldReply(let reply, let node, let inc):
            if up[Int(node)], incarnation[Int(node)] == inc { sendReply(reply, from: node, at: event.time) }
        }
    }

    /// A replica is free again: it takes the oldest input of its inbox.
    func wake(node: Int32, at time: Int64) {
        if sharesCPUs {
            wakeSharedCPU(of: node, at: time)
            return
        }
        let i = Int(node)
        wakeScheduled[i] = false
        guard up[i], let input = inbox[i].popFirst() else { return }
        handle(node: node, input: input, arrived: ticks.isOn ? ticks.arrivals[i].removeFirst() : time, at: time)
    }

    /// An input reaches a live replica: handled at once if the replica is idle, else queued behind
    /// what its inbox already holds.
    func arrive(node: Int32, _ input: PendingInput, at time: Int64) {
        let i = Int(node)
        if busyUntil[cpuOf[i]] <= time && inbox[i].isEmpty && !(sharesCPUs && !runQueue[cpuOf[i]].isEmpty) {
            handle(node: node, input: input, arrived: time, at: time)
        } else {
            enqueue(node: node, input, arrived: time)
        }
    }

    // MARK: Shared CPUs: a run queue per CPU
    //
    // With `sharedCPUs`, replicas on one CPU take turns as an event loop serves its ready connections:
    // a replica with inputs waits in its CPU's run queue, the CPU has at most one wake-up scheduled,
    // for the queue's head, and a replica that still has inputs after a step goes to the back. (Each
    // replica waking itself would let the busiest one take the CPU every time it frees.)

    /// Schedules the CPU's next turn if it has none and someone waits.
    func scheduleTurn(cpu c: Int) {
        guard !cpuWakeScheduled[c], let head = runQueue[c].first else { return }
        cpuWakeScheduled[c] = true
        scheduleWake(node: head, at: max(busyUntil[c], now.nanoseconds))
    }

    func wakeSharedCPU(of node: Int32, at time: Int64) {
        let c = cpuOf[Int(node)]
        cpuWakeScheduled[c] = false
        if busyUntil[c] > time {  // the load generator or a timer took the CPU since: wait for it
            scheduleTurn(cpu: c)
            return
        }
        guard let next = nextTurn(cpu: c) else { return }
        let i = Int(next)
        wakeScheduled[i] = false
        if up[i], let input = inbox[i].popFirst() {
            // requeues `next` if it has more
            handle(node: next, input: input, arrived: ticks.isOn ? ticks.arrivals[i].removeFirst() : time, at: time)
        } else if ticks.isOn {
            endTickIfDone(cpu: c)
        }
        scheduleTurn(cpu: c)
    }

    /// Schedules `node`'s wake-up, a bare entry in the queue of wake-ups (a replica that is never idle
    /// wakes once per input).
    func scheduleWake(node: Int32, at time: Int64) {
        let wake = entry(.wake, at: time, receiver: node)
        if wakeAtRoot {
            wakeAtRoot = false
            wakes.replaceMin(with: wake)
        } else {
            wakes.insert(wake)
        }
    }

    func enqueue(node: Int32, _ input: PendingInput, arrived: Int64) {
        let i = Int(node)
        inbox[i].append(input)
        if ticks.isOn { ticks.arrivals[i].append(arrived) }
        if sharesCPUs {
            if !wakeScheduled[i] {
                wakeScheduled[i] = true
                runQueue[cpuOf[i]].append(node)
            }
            scheduleTurn(cpu: cpuOf[i])
            return
        }
        if !wakeScheduled[i] {
            wakeScheduled[i] = true
            scheduleWake(node: node, at: max(busyUntil[cpuOf[i]], now.nanoseconds))
        }
    }

    /// Hands one input, which arrived at `arrived`, to the replica at `start`, charges its CPU cost
    /// (with `eventLoopTicks`, the syscalls of a new tick and of reading the input's connection), and
    /// carries out its effects.
    func handle(node: Int32, input: PendingInput, arrived: Int64, at start: Int64) {
        let i = Int(node)
        let cpu = options.cpu
        outbox.clear()
        let size: Int
        let kind: Int
        let source: Int  // the endpoint whose connection the input came on (the load generator is n)
        switch input {
        case .message(let slot):
            let message = messages.message(slot)
            let from = messages.sender(slot)
            size = messages.frameSize(slot)
            kind = message.kind
            source = Int(from)
            messages.release(slot)
            replicas[i].receive(message, from: NodeID(Int(from)), now: Instant(nanoseconds: start), outbox: &outbox)
        case .request(let slot):
            let request = requests.take(slot)
            size = Wire.frameSize(of: request)
            kind = stats.requestKind
            source = cluster.replicaCount
            replicas[i].clientRequest(request, now: Instant(nanoseconds: start), outbox: &outbox)
        }
        var syscalls: Int64 = 0
        if ticks.isOn {
            syscalls = ticks.take(cpu: cpuOf[i], arrival: arrived, start: start) + ticks.reads(cpu: cpuOf[i], from: source, to: i)
        }
        let done = start + syscalls + handleCost[kind] + Int64(size) * cpu.perBytePicoseconds / 1000
        busyUntil[cpuOf[i]] = done
        carryOutStep(node: node, at: done)
        if !inbox[i].isEmpty, !wakeScheduled[i] {
            wakeScheduled[i] = true
            if sharesCPUs {
                runQueue[cpuOf[i]].append(node)
                scheduleTurn(cpu: cpuOf[i])
            } else {
                scheduleWake(node: node, at: busyUntil[cpuOf[i]])
            }
        }
    }

    @inline(__always) func count(kind: Int, bytes: Int, at t: Int64) {
        stats.count(kind: kind, bytes: bytes, at: Instant(nanoseconds: t), window: window)
    }

    /// The network's fate for a frame of `size` bytes from `from` to `to` leaving at `departure`: when
    /// it arrives (−1: lost or blocked) and when its duplicate arrives (−1: none). Draws from the PRNG
    /// in a fixed order (loss, jitter, reorder, duplication, the duplicate's jitter).
    func route(size: Int, from: Int32, to: Int32, departure: Int64) -> (arrival: Int64, duplicate: Int64) {
        guard linkOpen(Int(from), Int(to)) else { return (-1, -1) }
        if lossProbability > 0, random.chance(lossProbability) { return (-1, -1) }
        let link = Int(from) * cluster.replicaCount + Int(to)
        let start = max(departure, linkFreeAt[link])
        let transmit = Int64(size) * picosPerByteOnLink / 1000
        linkFreeAt[link] = start + transmit
        var arrival = start + transmit + (cpuOf[Int(from)] == cpuOf[Int(to)] ? sameCPUDelay() : propagationDelay())
        if options.network.reorderProbability > 0, random.chance(options.network.reorderProbability) {
            arrival += Int64(random.next(upperBound: UInt64(max(options.network.reorderDelay.nanoseconds, 1))))
        } else {
            arrival = max(arrival, linkLastArrival[link])
            linkLastArrival[link] = arrival
        }
        var duplicate: Int64 = -1
        if options.network.duplicateProbability > 0, random.chance(options.network.duplicateProbability) {
            duplicate = arrival + propagationDelay()
        }
        return (arrival, duplicate)
    }

    /// Between replicas on one CPU (`sharedCPUs`): the same-CPU latency and jitter, if the model has
    /// them, + any latency burst.
    func sameCPUDelay() -> Int64 {
        let net = options.network
        guard options.sharedCPUs != nil, let latency = net.sameCPULatency else { return propagationDelay() }
        var d = latency.nanoseconds + extraLatency
        let jitter = (net.sameCPUJitter ?? net.jitter).nanoseconds
        if jitter > 0 { d += Int64(random.next(upperBound: UInt64(jitter) + 1)) }
        return d
    }

    /// Latency + jitter + any latency burst.
    func propagationDelay() -> Int64 {
        let net = options.network
        var d = net.latency.nanoseconds + extraLatency
        if net.jitter.nanoseconds > 0 { d += Int64(random.next(upperBound: UInt64(net.jitter.nanoseconds) + 1)) }
        return d
    }

    @inline(__always) func linkOpen(_ a: Int, _ b: Int) -> Bool { reachability.isOpen(a, b) }

    // MARK: - Inspection

    /// Messages of the kind named `kind` (a protocol kind, `request` or `reply`) sent inside the window.
    public func messageCount(of kind: String) -> Int {
        messageKindNames.firstIndex(of: kind).map { stats.counts[$0] } ?? 0
    }

    /// Syscalls charged so far under `eventLoopTicks`, and wake-ups among them (0 without it).
    public var syscallsCharged: Int { ticks.syscalls }
    public var wakeUpsCharged: Int { ticks.wakeUps }

    public func replica(_ id: NodeID) -> R { replicas[id.index] }
    public func isUp(_ id: NodeID) -> Bool { up[id.index] }
    public func behavior(of id: NodeID) -> ByzantineBehavior? { byzantine[id.index] }
    /// Replicas that are up and honest.
    public var liveHonestReplicas: [NodeID] {
        (0 ..< cluster.replicaCount).filter { up[$0] && byzantine[$0] == nil }.map { NodeID($0) }
    }
}
