// A whole cluster of one protocol on a lossless FIFO network, stepped one delivery at a time, that
// records every input one replica (the *observed* one) handles. The replica-step suites replay those
// inputs into a twin of the observed replica and time only the twin: the stream is exactly what the
// protocol sends in a steady state (real authenticators, checkpoints, commit indices), so no message
// is hand-made and none can be one the replica would reject.
//
// No timers fire unless the scenario fires them (`fire`): with no loss nothing needs retransmitting,
// and the measured stream holds only the messages of normal operation.

import ConsensusCore

/// One input of a replica, as a shell hands it over.
public enum ReplicaInput<Message> {
    case message(Message, from: NodeID)
    case clientRequest(ClientRequest)
    case timer(TimerID)
}

/// An input and the instant it was handed over.
public struct TimedInput<Message> {
    public var input: ReplicaInput<Message>
    public var now: Instant
}

/// `replicas.count` replicas of `R`, a FIFO queue of deliveries, and `clients` closed-loop clients that
/// send to `clientTarget` and issue their next request when it answers. Failing loudly is the point:
/// a redirect, a reply that answers nothing outstanding, a rejected authenticator or a stall stops the
/// run, so a benchmark never measures a stream the protocol refuses.
public final class LockstepCluster<R: Replica> {
    public let replicas: [R]
    /// The replica whose inputs are recorded.
    public let observed: Int
    /// Where clients send their requests (the leader or primary the scenario elected).
    public let clientTarget: Int
    public private(set) var now = Instant.zero
    /// Inputs the observed replica handled and `takeRecorded` did not return yet.
    public private(set) var recorded: [TimedInput<R.Message>] = []
    /// `applied` observations per replica, since the start.
    public private(set) var appliedCount: [Int]
    /// `rejected` observations (MAC, signature or digest failures) anywhere, since the start.
    public private(set) var rejectedCount = 0
    /// Client requests completed (answered by `clientTarget`), since the start.
    public private(set) var completedRequests = 0

    private var queue: [(to: Int, input: ReplicaInput<R.Message>)] = []
    private var head = 0
    private var outbox = Outbox<R.Message>()
    private var clientCount = 0
    /// The sequence number of each client's outstanding request (0: none yet).
    private var outstanding: [UInt64] = []
    private let command: (ClientID, UInt64) -> Command
    /// Simulated time between two deliveries: replicas only compare instants, so any positive step works.
    private let step = Interval.microseconds(1)

    /// Builds `count` replicas with `make(id)` and starts them (fresh) at time zero.
    public init(count: Int, observed: Int, clientTarget: Int, make: (NodeID) -> R,
                command: @escaping (ClientID, UInt64) -> Command = LockstepCluster.defaultCommand) {
        precondition(observed >= 0 && observed < count && clientTarget >= 0 && clientTarget < count,
                     "observed \(observed) and client target \(clientTarget) must be replicas of \(count)")
        replicas = (0 ..< count).map { make(NodeID($0)) }
        self.observed = observed
        self.clientTarget = clientTarget
        self.command = command
        appliedCount = Array(repeating: 0, count: count)
        recorded.reserveCapacity(4096)
        for i in replicas.indices {
            replicas[i].start(durable: nil, now: now, outbox: &outbox)
            #if DEBUG
            replicas[i].checkInvariants()
            #endif
            route(from: i)
        }
    }

    /// Half puts, half gets, over 64 keys: every client touches every key over time.
    public static func defaultCommand(_ client: ClientID, _ sequence: UInt64) -> Command {
        let key = Key((UInt64(client.rawValue) &* 7 &+ sequence) % 64)
        if sequence % 2 == 1 { return .put(key, Value(tag: UInt64(client.rawValue) << 32 | sequence, size: 16)) }
        return .get(key)
    }

    // MARK: Driving

    /// Moves the clock forward with nothing delivered (so a timer's interval has passed when it fires).
    public func advance(_ interval: Interval) {
        now = now + interval
    }

    /// Hands `timer` to replica `index` after everything already queued.
    public func fire(_ timer: TimerID, at index: Int) {
        queue.append((index, .timer(timer)))
    }

    /// Starts `count` closed-loop clients (ids 1 ... count), one request outstanding each.
    public func startClients(_ count: Int) {
        precondition(clientCount == 0, "clients already started")
        clientCount = count
        outstanding = Array(repeating: 0, count: count + 1)
        for c in 1 ... count { issue(client: c) }
    }

    /// Delivers until `done()` holds. A drained queue before that is a stall: the scenario is broken.
    public func run(until done: () -> Bool, _ what: @autoclosure () -> String) {
        while !done() {
            // fatalError, not precondition: release builds drop precondition messages.
            guard deliverOne() else { fatalError("the cluster went quiet before \(what())") }
        }
    }

    /// Delivers until the observed replica has handled `count` inputs not taken yet, and returns them
    /// (exactly `count` when nothing was left untaken).
    public func takeRecorded(_ count: Int) -> [TimedInput<R.Message>] {
        run(until: { recorded.count >= count }, "replica \(observed) handled \(count) more inputs")
        return takeRecorded()
    }

    /// Every input the observed replica handled and nobody took yet (those of the start-up, say).
    public func takeRecorded() -> [TimedInput<R.Message>] {
        let taken = recorded
        recorded.removeAll(keepingCapacity: true)
        return taken
    }

    /// Delivers the oldest queued input; false when nothing is queued.
    @discardableResult
    public func deliverOne() -> Bool {
        guard head < queue.count else { return false }
        let (to, input) = queue[head]
        head += 1
        if head >= 4096 && head * 2 >= queue.count {
            queue.removeFirst(head)
            head = 0
        }
        now = now + step
        if to == observed { recorded.append(TimedInput(input: input, now: now)) }
        Self.hand(input, to: replicas[to], now: now, outbox: &outbox)
        #if DEBUG
        replicas[to].checkInvariants()
        #endif
        route(from: to)
        return true
    }

    /// What a shell does with one input: the one switch both the cluster and the measured twin use.
    @inlinable
    public static func hand(_ input: ReplicaInput<R.Message>, to replica: R, now: Instant, outbox: inout Outbox<R.Message>) {
        switch input {
        case .message(let m, let sender): replica.receive(m, from: sender, now: now, outbox: &outbox)
        case .clientRequest(let request): replica.clientRequest(request, now: now, outbox: &outbox)
        case .timer(let timer): replica.timerFired(timer, now: now, outbox: &outbox)
        }
    }

    // MARK: Effects

    private func route(from sender: Int) {
        for effect in outbox.effects {
            switch effect {
            case .send(let m, let to):
                queue.append((to.index, .message(m, from: NodeID(sender))))
            case .broadcast(let m):
                for j in replicas.indices where j != sender { queue.append((j, .message(m, from: NodeID(sender)))) }
            case .reply(let reply):
                guard sender == clientTarget else { continue }  // PBFT: every replica answers; count the target's
                let c = reply.client.index
                guard case .executed = reply.outcome else {
                    fatalError("replica \(sender) answered \(reply.client) #\(reply.sequence) with \(reply.outcome): clients must reach the leader")
                }
                guard c >= 1, c <= clientCount, outstanding[c] == reply.sequence else { continue }  // a repeated answer
                completedRequests += 1
                issue(client: c)
            case .applied:
                appliedCount[sender] += 1
            case .rejected(let kind):
                rejectedCount += 1
                fatalError("replica \(sender) rejected a message of kind \(R.Message.kindNames[kind]): the stream must authenticate")
            case .setTimer, .cancelTimer, .persist, .becameLeader:
                break
            }
        }
        outbox.clear()
    }

    private func issue(client c: Int) {
        outstanding[c] += 1
        let id = ClientID(c)
        queue.append((clientTarget, .clientRequest(ClientRequest(client: id, sequence: outstanding[c], command: command(id, outstanding[c])))))
    }
}
