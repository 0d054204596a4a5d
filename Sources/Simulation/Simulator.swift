import ConsensusCore
import DequeModule
import Workload

/// A single-threaded discrete-event simulator of one cluster and its clients: virtual time in
/// nanoseconds, one seeded PRNG from which every random choice derives, and an event queue ordered by
/// (time, sequence). It is the shell: it does all IO for the pure replicas, counts every message as it
/// leaves a node, injects faults and checks safety as replicas apply commands.
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
    var busyUntil: [Int64]
    /// Inputs waiting while a replica is busy, oldest first. A deque, not an array with a head index:
    /// a replica that never drains (every replica of a large PBFT cluster under load) would otherwise keep
    /// every input it ever handled, and the authenticators they reference, alive.
    var inbox: [Deque<PendingInput>]
    var wakeScheduled: [Bool]
    /// Per node × timer id: the generation of the live arming.
    var timerGeneration: [UInt32]
    static var maximumTimers: Int { TimerID.limit }
    var durable: [R.DurableState?]
    var outbox = Outbox<Message>()
    public internal(set) var persistCount = 0

    // MARK: Network
    /// Partition group of each replica; messages cross only within a group.
    var group: [Int]
    var linkCut: [Bool]
    var anyLinkCut = false
    /// When each directed link finishes transmitting what it already carries (bandwidth queueing).
    var linkFreeAt: [Int64]
    /// When the last in-order message on each directed link arrives: links are FIFO, as TCP is, so
    /// jitter never reorders a link; only the `reorder` fault does.
    var linkLastArrival: [Int64]
    var lossProbability: Double
    var extraLatency: Int64 = 0
    var byzantine: [ByzantineBehavior?]
    var picosPerByteOnLink: Int64

    // MARK: Clients
    public internal(set) var clients: [ClientSession] = []
    var operations: OperationSource
    /// Every operation any client started, in start order.
    public internal(set) var records: [OperationRecord] = []
    /// Per client: the commands it sent, by sequence − 1 (validity checks against this).
    var sentCommands: [[Command]] = []
    var freeClients: [Int32] = []
    var backlog: [Instant] = []
    var backlogHead = 0
    /// Once false, clients finish what they have outstanding and start nothing new.
    public var issuing = true
    /// Replies to requests that `submit` sent on a test's behalf.
    public internal(set) var externalReplies: [ClientReply] = []

    // MARK: Measurement
    public internal(set) var stats: MessageStats
    /// Messages and completions count from here ...
    public var windowStart: Instant = .zero
    /// ... up to here (exclusive).
    public var windowEnd = Instant(nanoseconds: .max)
    public internal(set) var completedInWindow = 0
    /// Stop the run (and close the window) when this many operations completed inside the window.
    public var stopAfterCompletions: Int?
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
        operations = OperationSource(spec: options.workload, random: random.derive())
        self.random = random
        up = Array(repeating: true, count: n)
        incarnation = Array(repeating: 0, count: n)
        busyUntil = Array(repeating: 0, count: n)
        inbox = Array(repeating: [], count: n)
        wakeScheduled = Array(repeating: false, count: n)
        timerGeneration = Array(repeating: 0, count: n * Self.maximumTimers)
        durable = Array(repeating: nil, count: n)
        group = Array(repeating: 0, count: n)
        linkCut = []
        linkFreeAt = Array(repeating: 0, count: n * n)
        linkLastArrival = Array(repeating: 0, count: n * n)
        lossProbability = options.network.lossProbability
        byzantine = Array(repeating: nil, count: n)
        picosPerByteOnLink = options.network.bandwidthBytesPerSecond > 0
            ? Int64((1e12 / options.network.bandwidthBytesPerSecond).rounded()) : 0
        stats = MessageStats(protocolKinds: Message.kindNames)
        safety = SafetyMonitor(replicaCount: n)
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
        let spec = options.workload
        clients.reserveCapacity(spec.clients)
        for c in 0 ..< spec.clients {
            clients.append(ClientSession(id: ClientID(c), contract: clientContract, replicaCount: cluster.replicaCount))
            sentCommands.append([])
            if spec.ratePerSecond == nil {
                schedule(at: options.clientStart.nanoseconds, .clientStart(client: Int32(c)))
            } else {
                freeClients.append(Int32(c))
            }
        }
        if spec.ratePerSecond != nil, spec.clients > 0 {
            freeClients.reverse()
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
            clientReceived(reply)
        case .timer(let node, let timer, let inc, let gen):
            let i = Int(node)
            guard up[i], incarnation[i] == inc,
                  timerGeneration[i * Self.maximumTimers + Int(timer.rawValue)] == gen else { return }
            let start = max(event.time, busyUntil[i])
            outbox.clear()
            replicas[i].timerFired(timer, now: Instant(nanoseconds: start), outbox: &outbox)
            busyUntil[i] = start
            carryOut(node: node, at: start)
        case .clientTimer(let client, let gen, let isBackoff):
            clientTimerFired(client: client, generation: gen, isBackoff: isBackoff)
        case .clientStart(let client):
            if issuing { beginOperation(client: client, scheduled: now) }
        case .arrival:
            openLoopArrival()
        case .fault(let index):
            inject(options.faults[index].fault)
        }
    }

    /// A replica is free again: it takes the oldest input of its inbox.
    func wake(node: Int32, at time: Int64) {
        let i = Int(node)
        wakeScheduled[i] = false
        guard up[i], let input = inbox[i].popFirst() else { return }
        handle(node: node, input: input, at: time)
    }

    /// An input reaches a live replica: handled at once if the replica is idle, else queued behind
    /// what its inbox already holds.
    func arrive(node: Int32, _ input: PendingInput, at time: Int64) {
        let i = Int(node)
        if busyUntil[i] <= time && inbox[i].isEmpty {
            handle(node: node, input: input, at: time)
        } else {
            enqueue(node: node, input)
        }
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

    func enqueue(node: Int32, _ input: PendingInput) {
        let i = Int(node)
        inbox[i].append(input)
        if !wakeScheduled[i] {
            wakeScheduled[i] = true
            scheduleWake(node: node, at: max(busyUntil[i], now.nanoseconds))
        }
    }

    /// Hands one input to the replica at `start`, charges its CPU cost, and carries out its effects.
    func handle(node: Int32, input: PendingInput, at start: Int64) {
        let i = Int(node)
        let cpu = options.cpu
        outbox.clear()
        let size: Int
        switch input {
        case .message(let slot):
            let message = messages.message(slot)
            let from = messages.sender(slot)
            size = messages.frameSize(slot)
            messages.release(slot)
            replicas[i].receive(message, from: NodeID(Int(from)), now: Instant(nanoseconds: start), outbox: &outbox)
        case .request(let slot):
            let request = requests.take(slot)
            size = Wire.frameSize(of: request)
            replicas[i].clientRequest(request, now: Instant(nanoseconds: start), outbox: &outbox)
        }
        let done = start + cpu.perMessage.nanoseconds + Int64(size) * cpu.perBytePicoseconds / 1000
        busyUntil[i] = done
        carryOut(node: node, at: done)
        if !inbox[i].isEmpty, !wakeScheduled[i] {
            wakeScheduled[i] = true
            scheduleWake(node: node, at: busyUntil[i])
        }
    }

    /// Carries out the outbox of `node`, whose step finished at `time`. Sends depart one after another
    /// as the node serialises them.
    func carryOut(node: Int32, at time: Int64) {
        let i = Int(node)
        #if DEBUG
        replicas[i].checkInvariants()  // every step ends here
        #endif
        let cpu = options.cpu
        var clock = time + cpu.cost(of: outbox.cryptoWork)
        for effect in outbox.effects {
            switch effect {
            case .send(let message, let to):
                clock += cpu.perSend.nanoseconds
                send(message, from: node, to: to.rawValue, at: &clock)
            case .broadcast(let message):
                if byzantine[i] == nil {
                    multicast(message, from: node, at: &clock)
                } else {
                    for j in 0 ..< Int32(cluster.replicaCount) where j != node {
                        clock += cpu.perSend.nanoseconds
                        send(message, from: node, to: j, at: &clock)
                    }
                }
            case .setTimer(let timer, let after):
                let slot = i * Self.maximumTimers + Int(timer.rawValue)
                timerGeneration[slot] &+= 1
                schedule(at: clock + after.nanoseconds, .timer(node: node, timer, incarnation: incarnation[i], generation: timerGeneration[slot]))
            case .cancelTimer(let timer):
                timerGeneration[i * Self.maximumTimers + Int(timer.rawValue)] &+= 1
            case .reply(let reply):
                clock += cpu.perSend.nanoseconds
                sendReply(reply, from: node, at: clock)
            case .persist:
                persistCount += 1
                clock += cpu.perPersist.nanoseconds
            case .applied(let position, let request, let executed):
                if byzantine[i] == nil {
                    safety.recordApplied(replica: NodeID(i), position: position, request: request, executed: executed, isSent: wasSent(request))
                }
            case .becameLeader(let epoch):
                leadership.append((Instant(nanoseconds: clock), NodeID(i), epoch))
                if epoch >= currentLeaderEpoch || currentLeader == nil {
                    currentLeaderEpoch = epoch
                    currentLeader = NodeID(i)
                }
                if clock >= windowStart.nanoseconds && clock < windowEnd.nanoseconds { leaderChangesInWindow += 1 }
            case .rejected(let kind):
                stats.rejected[kind] += 1
            }
        }
        busyUntil[i] = max(busyUntil[i], clock)
    }

    func wasSent(_ request: ClientRequest) -> Bool {
        let c = request.client.index
        guard c < sentCommands.count, request.sequence >= 1, request.sequence <= UInt64(sentCommands[c].count) else {
            return externalRequests.contains(request)
        }
        return sentCommands[c][Int(request.sequence - 1)] == request.command
    }

    /// Requests a test submitted directly (validity accepts them).
    var externalRequests: Set<ClientRequest> = []

    func inWindow(_ t: Int64) -> Bool { t >= windowStart.nanoseconds && t < windowEnd.nanoseconds }

    func count(kind: Int, bytes: Int, at t: Int64) {
        stats.totalSent &+= 1
        if inWindow(t) {
            stats.counts[kind] &+= 1
            stats.bytes[kind] &+= bytes
        }
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
        var arrival = start + transmit + propagationDelay()
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

    /// Latency + jitter + any latency burst.
    func propagationDelay() -> Int64 {
        let net = options.network
        var d = net.latency.nanoseconds + extraLatency
        if net.jitter.nanoseconds > 0 { d += Int64(random.next(upperBound: UInt64(net.jitter.nanoseconds) + 1)) }
        return d
    }

    func linkOpen(_ a: Int, _ b: Int) -> Bool {
        if group[a] != group[b] { return false }
        if anyLinkCut && linkCut[a * cluster.replicaCount + b] { return false }
        return true
    }

    // MARK: - Inspection

    public func replica(_ id: NodeID) -> R { replicas[id.index] }
    public func isUp(_ id: NodeID) -> Bool { up[id.index] }
    public func behavior(of id: NodeID) -> ByzantineBehavior? { byzantine[id.index] }
    /// Replicas that are up and honest.
    public var liveHonestReplicas: [NodeID] {
        (0 ..< cluster.replicaCount).filter { up[$0] && byzantine[$0] == nil }.map { NodeID($0) }
    }
}
