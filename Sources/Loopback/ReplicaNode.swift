import ConsensusCore
import Logging
import NIOCore
import ShellKit
import Checker

/// One replica on its event loop: the shell around a pure `Replica`. Everything here runs on `loop`:
/// frames from its connections, its timers, and the controller's requests (which arrive as tasks).
/// It carries out the replica's effects: sends (counted as they leave, then subject to Byzantine
/// tampering and partitions exactly as in the simulator), timers, replies, and the observations the
/// safety checks read.
final class ReplicaNode<R: Replica> {
    typealias Connection = FramedConnection

    let id: NodeID
    let cluster: ClusterConfig
    let settings: R.Settings
    let options: Loopback.Options
    let loop: EventLoop
    let logger: Logger
    /// Load generators that may connect (client c is served by generator c mod driverCount).
    let driverCount: Int

    var replica: R
    var outbox = Outbox<R.Message>()
    var clock = RunClock(base: 0)
    var window = RunWindow.open(from: .zero)
    /// True while the replica runs (false before start, while crashed, after stop).
    var up = false
    /// True while the node takes part in the network: listening, dialling, accepting frames (from before
    /// the replica starts until a crash or stop).
    var live = false
    /// Bumped on every crash, so work begun before it (a dial, a delayed send) does not leak into the next life.
    var incarnation: UInt32 = 0
    /// What the replica's disk held at its last crash (or what a node process recovered from its
    /// journal), handed to the replica when it starts.
    var durable: R.DurableState?
    /// Where its persists go: a journal file, or an image in memory (ReplicaDisk.swift). Committed on this
    /// loop at most once per tick in which the replica emitted `persist`, before that tick's frames leave.
    var disk = ReplicaDisk<R>.inMemory()
    /// A commit failed: a replica that cannot make its state durable must not go on answering.
    var diskFailed: ((Error) -> Void)?
    var persistPending = false
    /// Reused for each persist's records.
    var journal: [R.JournalRecord] = []

    // MARK: Network
    var listener: Channel?
    /// The port this replica listens on (kept across a restart).
    var port: Int
    var peerEndpoints: [Loopback.Endpoint] = []
    /// Connections we dialled, by peer id: our messages for that peer leave here.
    var peersOut: [Connection?]
    var dialling: [Bool]
    /// Connections others dialled to us.
    var accepted: [ObjectIdentifier: Connection] = [:]
    /// The load generators' connections, by generator id: replies leave here.
    var drivers: [Connection?]
    var flushList: [Connection] = []
    var flushScheduled = false
    let timers: LazyTimers

    // MARK: Faults
    /// Per destination: false while a partition or cut link separates us (frames are dropped at the send path).
    var reachable: [Bool]
    var byzantine: ByzantineBehavior?
    /// Which peers are Byzantine too (an equivocator sends them the original: faulty replicas collude).
    var faultyPeers: [Bool]
    /// What this replica's shell remembers of its earlier proposals while it equivocates.
    var equivocationMemory = EquivocationMemory<R.Message>()

    // MARK: Observation
    var counts: MessageCounts
    var applied: [AppliedRecord] = []
    var restartsAt: [Int] = []
    var leadership: [(at: Instant, epoch: UInt64)] = []
    var persistCount = 0
    var scratchWriter = WireWriter(capacity: 512)

    static var maximumTimers: Int { TimerID.limit }

    init(id: NodeID, cluster: ClusterConfig, settings: R.Settings, random: DeterministicRandom, driverCount: Int,
         options: Loopback.Options, loop: EventLoop) {
        self.id = id
        self.cluster = cluster
        self.settings = settings
        self.options = options
        self.loop = loop
        self.driverCount = max(1, driverCount)
        var logger = options.logger
        logger[metadataKey: "replica"] = "\(id.rawValue)"
        self.logger = logger
        replica = R(id: id, cluster: cluster, settings: settings, random: random)
        let n = cluster.replicaCount
        port = id.index < options.ports.count ? options.ports[id.index] : 0
        peersOut = Array(repeating: nil, count: n)
        dialling = Array(repeating: false, count: n)
        drivers = Array(repeating: nil, count: self.driverCount)
        reachable = Array(repeating: true, count: n)
        faultyPeers = Array(repeating: false, count: n)
        counts = MessageCounts(protocolKinds: R.Message.kindNames)
        timers = LazyTimers(loop: loop, slots: Self.maximumTimers)
        timers.onDue = { [unowned self] slot in self.timerDue(slot) }
    }


    // MARK: - Inputs

    /// Starts (or restarts from `durable`) the replica now.
    func startReplica() {
        up = true
        let now = clock.now()
        outbox.clear()
        replica.start(durable: durable, now: now, outbox: &outbox)
        carryOut(now: now)
    }

    func timerDue(_ slot: Int) {
        guard up else { return }
        let now = clock.now()
        outbox.clear()
        replica.timerFired(TimerID(UInt16(slot)), now: now, outbox: &outbox)
        carryOut(now: now)
    }

    func deliver(_ message: R.Message, from sender: NodeID) {
        let now = clock.now()
        outbox.clear()
        replica.receive(message, from: sender, now: now, outbox: &outbox)
        carryOut(now: now)
    }

    func deliver(_ request: ClientRequest) {
        let now = clock.now()
        outbox.clear()
        replica.clientRequest(request, now: now, outbox: &outbox)
        carryOut(now: now)
    }

    // MARK: - Effects

    /// Carries out the outbox of the step that ran at `now`, in order, all at the step's instant.
    ///
    /// A switch of its own rather than `Outbox.carryOut` through an `EffectPerformer`, as the simulator
    /// does and for a like reason: the harness specialises this node for each protocol only where
    /// cross-module optimisation can follow direct calls (see `ConnectionCallbacks`), and a performer's
    /// methods are reached through its witness table, so every send, reply and persist ran unspecialised
    /// generic code. A new kind of effect needs a case here too (the switch is exhaustive).
    func carryOut(now: Instant) {
        #if DEBUG
        replica.checkInvariants()
        #endif
        for effect in outbox.effects {
            switch effect {
            case .send(let message, let to):
                send(message, to: to.index, now: now)
            case .broadcast(let message):
                for j in 0 ..< cluster.replicaCount where j != id.index { send(message, to: j, now: now) }
            case .setTimer(let timer, let after):
                timers.arm(Int(timer.rawValue), at: clock.uptime(now + after))
            case .cancelTimer(let timer):
                timers.cancel(Int(timer.rawValue))
            case .reply(let reply):
                sendReply(reply, now: now)
            case .persist:
                persist()
            case .applied(let position, let request, let executed):
                // Kept for the safety checks after the run (honest replicas only).
                if byzantine == nil { applied.append(AppliedRecord(position: position, request: request, executed: executed)) }
            case .becameLeader(let epoch):
                leadership.append((now, epoch))
            case .rejected(let kind):
                counts.reject(kind: kind)
            case .unsafe(let detail):
                // The real shells' journals persist before sending, and they have no power failures, so
                // an honest node meets this only through a defect; the agreement check after the run sees
                // its cause.
                logger.error("replica \(id.rawValue) dropped an input that would break safety: \(detail)")
            }
        }
    }

    /// One persist's records go to the disk; they are made durable once per tick, before the tick's
    /// frames are flushed (`flushAll`).
    func persist() {
        persistCount += 1
        replica.takeDurableRecords(into: &journal)
        defer { journal.removeAll(keepingCapacity: true) }  // a held record would make the next write copy
        guard !journal.isEmpty else { return }
        disk.append(journal)
        persistPending = true
        scheduleFlush()
    }

    /// One peer message leaves for `to`: Byzantine tampering (the kit's, as in the simulator), then
    /// counted, then dropped if a partition separates us, else written.
    func send(_ original: R.Message, to: Int, now: Instant) {
        var message = original
        var slow = false
        if let behavior = byzantine {
            let faulty = faultyPeers
            guard let tampered = behavior.tamper(original, to: Int32(to), isFaulty: { faulty[Int($0)] }, cluster: cluster,
                                                 memory: &equivocationMemory) else { return }
            message = tampered.message
            slow = tampered.delayed
        }
        counts.count(kind: message.kind, bytes: Wire.frameSize(of: message), at: now, window: window)
        guard reachable[to] else { return }
        if slow {
            scratchWriter.clear()
            Wire.writeFrame(channel: .peer, sender: id.rawValue, into: &scratchWriter) { message.encode(into: &$0) }
            later(frame: Array(scratchWriter.bytes), to: .peer(to))
            return
        }
        peersOut[to]?.write(channel: .peer, sender: id.rawValue) { message.encode(into: &$0) }
    }

    func sendReply(_ honest: ClientReply, now: Instant) {
        if byzantine?.dropsReplies == true { return }
        let reply = byzantine?.tamper(honest) { R.reauthenticated($0, cluster: cluster, settings: settings) } ?? honest
        counts.count(kind: counts.replyKind, bytes: Wire.frameSize(of: reply), at: now, window: window)
        let driver = reply.client.index % driverCount
        if byzantine?.delaysReplies == true {
            scratchWriter.clear()
            Wire.writeFrame(channel: .clientReply, sender: id.rawValue, into: &scratchWriter) { reply.encode(into: &$0) }
            later(frame: Array(scratchWriter.bytes), to: .driver(driver))
            return
        }
        drivers[driver]?.write(channel: .clientReply, sender: id.rawValue) { reply.encode(into: &$0) }
    }

    enum Destination { case peer(Int), driver(Int) }

    /// A `slow` replica's frame leaves after the configured delay, on whatever connection is up then.
    func later(frame: [UInt8], to destination: Destination) {
        let life = incarnation
        loop.assumeIsolated().scheduleTask(in: .nanoseconds(options.slowDelay.nanoseconds)) { [self] in
            guard up, incarnation == life else { return }
            switch destination {
            case .peer(let j): if reachable[j] { peersOut[j]?.write(frameBytes: frame) }
            case .driver(let d): drivers[d]?.write(frameBytes: frame)
            }
        }
    }

    // MARK: - Flushing once per tick

    func needsFlush(_ connection: Connection) {
        flushList.append(connection)
        scheduleFlush()
    }

    func scheduleFlush() {
        if !flushScheduled {
            flushScheduled = true
            loop.assumeIsolated().execute { [self] in flushAll() }
        }
    }

    /// Runs after the reads of this event-loop tick: the durable state made durable if the tick asked
    /// for it, then one write and flush per connection with pending bytes (so nothing that depends on
    /// the state leaves before it).
    func flushAll() {
        flushScheduled = false
        if persistPending {
            persistPending = false
            if up {
                do { try disk.commit { replica.durableState } } catch { diskFailed?(error) }
            }
        }
        for connection in flushList { connection.flush() }
        flushList.removeAll(keepingCapacity: true)
    }
}
