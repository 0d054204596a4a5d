// A whole cluster of one protocol on a FIFO network that loses nothing unless the driver says so
// (drop, cut, crash: LockstepCluster+Faults.swift), stepped one delivery at a time. Time
// moves only when the driver says so (one microsecond per delivery, or to a timer's deadline), so a
// run is the same on every machine: the shape of swift-nio's `EmbeddedEventLoop`, for replicas.
//
// Two drivers use it. The replica-step benchmarks (Benchmarks/StepDriver) run closed-loop clients and
// record every input one replica (the *observed* one) handles, to replay them into a twin; scenario
// scripts (`ClusterScript`) deliver, drop, crash, restart and fire timers one command at a time and
// print each step through `observer`.
//
// No timer fires unless the driver fires it: with no loss nothing needs retransmitting, and a script
// says exactly when an election or a view change starts.

import ConsensusCore

/// `replicas.count` replicas of `R` and a FIFO queue of inputs on their way to them.
public final class LockstepCluster<R: Replica> {
    /// One replica's step, as the observer sees it: what it was handed and what it asked for.
    public struct Step {
        public enum Cause {
            case input(ReplicaInput<R.Message>)
            /// `start`: fresh (`restarted` false) or from what its disk holds.
            case start(restarted: Bool)
        }
        public var replica: Int
        public var cause: Cause
        public var effects: [Outbox<R.Message>.Effect]
    }

    public internal(set) var replicas: [R]
    public internal(set) var now = Instant.zero
    /// Inputs on their way, oldest first, from `head` on.
    public var pending: ArraySlice<Envelope<R.Message>> { queue[head...] }
    /// Called after every step with its effects (scenario scripts print them).
    public var observer: ((Step) -> Void)?

    /// The replica whose inputs are recorded (benchmarks), if any.
    public let observed: Int?
    /// Inputs the observed replica handled and `takeRecorded` did not return yet.
    public internal(set) var recorded: [TimedInput<R.Message>] = []
    /// `applied` observations per replica, since the start.
    public internal(set) var appliedCount: [Int]
    /// `rejected` observations (MAC, signature or digest failures) anywhere, since the start.
    public internal(set) var rejectedCount = 0
    /// A rejected message stops the run: a benchmark must never measure a stream the protocol refuses.
    let haltsOnRejection: Bool

    var queue: [Envelope<R.Message>] = []
    var head = 0
    var outbox = Outbox<R.Message>()
    let make: (NodeID) -> R

    // Faults and timers (LockstepCluster+Faults.swift, +Timers.swift).
    /// What each replica's last `persist` wrote: what a restart starts from. Kept only when asked for.
    public internal(set) var disks: [R.DurableState?]
    /// Reused for each persist's records.
    var journal: [R.JournalRecord] = []
    let keepsDisks: Bool
    public internal(set) var crashed: [Bool]
    /// Links (from, to) on which every message sent is lost.
    public internal(set) var cutLinks: Set<Link> = []
    /// Messages for which this holds are lost as they are sent (a selective fault: "every COMMIT for
    /// sequence number 2", "everything the primary sends").
    public var isLost: ((_ from: Int, _ to: Int, _ message: R.Message) -> Bool)?
    /// Each replica's armed timers and when they are due.
    public internal(set) var armedTimers: [[TimerID: Instant]]

    // Closed-loop clients (LockstepCluster+Clients.swift).
    var clientTarget = 0
    var clientCount = 0
    /// The sequence number of each client's outstanding request (0: none yet).
    var outstanding: [UInt64] = []
    var command: (ClientID, UInt64) -> Command = halfPutsHalfGets
    /// Client requests completed (answered by `clientTarget`), since the start.
    public internal(set) var completedRequests = 0

    /// Simulated time between two deliveries: replicas only compare instants, so any positive step works.
    let step = Interval.microseconds(1)

    /// A directed link between two replicas.
    public struct Link: Hashable, Sendable {
        public var from: Int
        public var to: Int
    }

    /// Builds `count` replicas with `make(id)` and starts them (fresh) at time zero. `keepsDisks`: keep
    /// what each replica's persists write, so `crash` and `restart` work (scripts); a
    /// benchmark leaves it off. `haltsOnRejection`: a rejected message is a fatal error (benchmarks).
    /// The protocol's client keys: requests handed to the cluster get their client's authenticator
    /// (PBFT's replicas reject requests without one). nil: requests go in as given.
    public var clientCredentials: (any ClientCredentials)?

    public init(count: Int, observed: Int? = nil, keepsDisks: Bool = true, haltsOnRejection: Bool = false,
                make: @escaping (NodeID) -> R) {
        precondition(count >= 1, "a cluster needs a replica (got \(count))")
        precondition(observed.map { $0 >= 0 && $0 < count } ?? true, "observed \(observed!) must be a replica of \(count)")
        self.make = make
        self.observed = observed
        self.keepsDisks = keepsDisks
        self.haltsOnRejection = haltsOnRejection
        replicas = (0 ..< count).map { make(NodeID($0)) }
        appliedCount = Array(repeating: 0, count: count)
        disks = Array(repeating: nil, count: count)
        crashed = Array(repeating: false, count: count)
        armedTimers = Array(repeating: [:], count: count)
        if observed != nil { recorded.reserveCapacity(4096) }
        for i in replicas.indices {
            replicas[i].start(durable: nil, now: now, outbox: &outbox)
            route(from: i, cause: .start(restarted: false))
        }
    }

    // MARK: Driving

    /// Moves the clock forward with nothing delivered (so a timer's interval has passed when it fires).
    public func advance(_ interval: Interval) {
        now = now + interval
    }

    /// Queues `timer` for replica `index` behind everything already queued (the benchmarks' way; a
    /// script fires a timer at once with `fire(_:now:)`).
    public func fire(_ timer: TimerID, at index: Int) {
        queue.append(Envelope(to: index, input: .timer(timer)))
    }

    /// Queues a client's request for replica `index` (authenticated first, when the cluster has
    /// `clientCredentials`).
    public func request(_ request: ClientRequest, to index: Int) {
        queue.append(Envelope(to: index, input: .clientRequest(clientCredentials?.authenticate(request) ?? request)))
    }

    /// Hands `input` to replica `index` at once, ahead of everything queued (a script's client request,
    /// authenticated first when the cluster has `clientCredentials`). False when the replica is down.
    @discardableResult
    public func handNow(_ input: ReplicaInput<R.Message>, to index: Int) -> Bool {
        guard !crashed[index] else { return false }
        if case .clientRequest(let request) = input, let credentials = clientCredentials {
            hand(Envelope(to: index, input: .clientRequest(credentials.authenticate(request))))
        } else {
            hand(Envelope(to: index, input: input))
        }
        return true
    }

    /// Delivers until `done()` holds. A drained queue before that is a stall: the scenario is broken.
    public func run(until done: () -> Bool, _ what: @autoclosure () -> String) {
        while !done() {
            // fatalError, not precondition: release builds drop precondition messages.
            guard deliverOne() else { fatalError("the cluster went quiet before \(what())") }
        }
    }

    /// Delivers the oldest queued input; false when nothing is queued.
    @discardableResult
    public func deliverOne() -> Bool {
        guard head < queue.count else { return false }
        let envelope = queue[head]
        head += 1
        if head >= 4096 && head * 2 >= queue.count {
            queue.removeFirst(head)
            head = 0
        }
        hand(envelope)
        return true
    }

    /// Delivers the oldest queued input that `matches`; false when none does.
    @discardableResult
    public func deliverFirst(where matches: (Envelope<R.Message>) -> Bool) -> Bool {
        guard let k = queue[head...].firstIndex(where: matches) else { return false }
        let envelope = queue.remove(at: k)
        hand(envelope)
        return true
    }

    /// Delivers matching inputs, oldest first, including those the deliveries queue, until none is
    /// left; at most `limit` (a protocol that never goes quiet must not hang a test). Returns how many.
    @discardableResult
    public func deliverAll(limit: Int = 100_000, where matches: (Envelope<R.Message>) -> Bool = { _ in true }) -> Int {
        var count = 0
        while count < limit, deliverFirst(where: matches) { count += 1 }
        return count
    }

    /// What a shell does with one input: the one switch both the cluster and the measured twin use.
    @inlinable
    public static func hand(_ input: ReplicaInput<R.Message>, to replica: R, now: Instant, outbox: inout Outbox<R.Message>) {
        replica.handle(input, now: now, outbox: &outbox)
    }

    func hand(_ envelope: Envelope<R.Message>) {
        let to = envelope.to
        guard !crashed[to] else { return }  // queued before the crash: lost with the replica
        now = now + step
        if to == observed { recorded.append(TimedInput(input: envelope.input, now: now)) }
        if case .timer(let t) = envelope.input { armedTimers[to][t] = nil }
        replicas[to].handle(envelope.input, now: now, outbox: &outbox)
        route(from: to, cause: .input(envelope.input))
    }

    // MARK: Effects

    /// Carries out replica `sender`'s outbox (through the one interpreter, `Outbox.carryOut`): queue its
    /// messages, track its timers and disk, answer clients, count; then show the step to the observer.
    func route(from sender: Int, cause: Step.Cause) {
        #if DEBUG
        replicas[sender].checkInvariants()
        #endif
        var performer = Performer(cluster: self, sender: sender)
        outbox.carryOut(into: &performer)
        observer?(Step(replica: sender, cause: cause, effects: outbox.effects))
        outbox.clear()
    }

    /// One replica's step as the lock-step cluster performs it: messages join the FIFO queue, timers are
    /// only remembered (a script fires them), a persist writes the replica's journal records to its disk
    /// (and drains them even when no disk is kept, as every shell does).
    struct Performer: EffectPerformer {
        unowned let cluster: LockstepCluster
        let sender: Int

        func send(_ message: R.Message, to peer: NodeID) { cluster.send(message, from: sender, to: peer.index) }

        func broadcast(_ message: R.Message) {
            for j in cluster.replicas.indices where j != sender { cluster.send(message, from: sender, to: j) }
        }

        func setTimer(_ timer: TimerID, after: Interval) { cluster.armedTimers[sender][timer] = cluster.now + after }

        func cancelTimer(_ timer: TimerID) { cluster.armedTimers[sender][timer] = nil }

        func reply(_ reply: ClientReply) {
            if cluster.clientCount > 0 { cluster.clientReceived(reply, from: sender) }
        }

        func persist() {
            cluster.replicas[sender].takeDurableRecords(into: &cluster.journal)
            // Emptied after use: a record still held would make the replica's next write to that
            // state copy it (PBFT's slots), an allocation per persist.
            defer { cluster.journal.removeAll(keepingCapacity: true) }
            guard cluster.keepsDisks else { return }
            R.replay(cluster.journal, onto: &cluster.disks[sender])
        }

        func applied(position: UInt64, request: ClientRequest, executed: Bool) { cluster.appliedCount[sender] += 1 }

        func becameLeader(epoch: UInt64) {}

        /// A scripted honest cluster never gets here; stop where the replica used to trap.
        func unsafe(_ detail: String) { fatalError("replica \(sender) found the run unsafe: \(detail)") }

        func rejected(messageKind: Int) {
            cluster.rejectedCount += 1
            if cluster.haltsOnRejection {
                fatalError("replica \(sender) rejected a message of kind \(R.Message.kindNames[messageKind]): the stream must authenticate")
            }
        }
    }

    /// A message on the wire, unless its link is cut or its receiver is down.
    func send(_ m: R.Message, from: Int, to: Int) {
        guard !crashed[to], cutLinks.isEmpty || !cutLinks.contains(Link(from: from, to: to)) else { return }
        if let isLost, isLost(from, to, m) { return }
        queue.append(Envelope(to: to, input: .message(m, from: NodeID(from))))
    }
}
