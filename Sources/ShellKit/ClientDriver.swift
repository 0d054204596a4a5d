import Checker
import ConsensusCore
import Foundation
import Workload

/// The workload's clients, driven the same way by every shell: each `ClientSession` (a pure state
/// machine) is fed replies and timeouts, and what it asks for is carried out through the shell's
/// `ClientTransport`. The driver keeps the history (one record per operation), the sent-request table
/// the validity check reads, the open-loop schedule and backlog, and the window's completion count.
///
/// Closed loop: a client starts its next operation when the last one completes. Open loop: Poisson
/// arrivals at `ratePerSecond`; an arrival with no free session waits in the backlog, and its latency
/// counts from its scheduled time either way (coordinated omission is accounted).
///
/// A class, and the transport an argument of each call, so a shell can be the transport of its own
/// driver without an ownership cycle, and transport calls may read the driver.
public final class ClientDriver {
    public let workload: WorkloadSpec
    public let replicaCount: Int
    public let contract: ClientContract
    public private(set) var sessions: [ClientSession] = []
    var operations: OperationSource
    /// Every operation any client started, in start order.
    public private(set) var records: [OperationRecord] = []
    /// What clients sent, for the validity check.
    public internal(set) var sent = SentRequests()
    /// Per client: whether its armed timer is a redirect back-off (else the request timer).
    var timerIsBackoff: [Bool] = []
    /// Once false, clients finish what they have outstanding and start nothing new. True from the
    /// start in the simulator; the load generator holds it false until its connections are up.
    public var issuing = true
    var freeClients: [Int32] = []
    var backlog: [Instant] = []
    var backlogHead = 0
    var nextArrival = Instant.zero

    /// Completions count from the window's start until it closes.
    public var window = RunWindow.open(from: .zero)
    public private(set) var completedInWindow = 0
    /// Close the window (and stop issuing) when this many operations completed inside it.
    public var stopAfterCompletions: Int?
    /// Replies addressed to no session of the workload (a test's own requests, sent with
    /// `recordExternal`); dropped when no such request was ever sent.
    public private(set) var externalReplies: [ClientReply] = []
    var sentExternal = false

    /// The protocol's client keys (PBFT), or nil: requests then go out with no authenticator and every
    /// reply is taken at its word.
    let credentials: (any ClientCredentials)?
    /// Replies that did not prove they came from the replica they name (dropped unread).
    public private(set) var rejectedReplies = 0

    /// The client ids this driver's sessions take: session c is client `c * clientIDStride +
    /// clientIDOffset`. One driver has them all (stride 1); K load generators on several hosts take
    /// every K-th from their own offset, so that ids stay distinct and a replica routes a reply to the
    /// generator of its client (`id mod K`). Set before `makeSessions`.
    public var clientIDStride = 1
    public var clientIDOffset = 0

    public init(workload: WorkloadSpec, contract: ClientContract, replicaCount: Int, random: DeterministicRandom,
                credentials: (any ClientCredentials)? = nil) {
        self.workload = workload
        self.contract = contract
        self.replicaCount = replicaCount
        self.credentials = credentials
        operations = OperationSource(spec: workload, random: random)
    }

    /// Makes the workload's sessions. Open loop: every session starts free, and the first arrival is
    /// due at `openLoopStart`.
    public func makeSessions(openLoopStart: Instant) {
        precondition(sessions.isEmpty, "the workload's sessions are made once per run")
        sessions.reserveCapacity(workload.clients)
        for c in 0 ..< workload.clients {
            sessions.append(ClientSession(id: ClientID(c * clientIDStride + clientIDOffset), contract: contract, replicaCount: replicaCount))
        }
        timerIsBackoff = Array(repeating: false, count: workload.clients)
        if isOpenLoop {
            freeClients = (0 ..< Int32(workload.clients)).reversed()
            nextArrival = openLoopStart
        }
    }

    /// Makes room for `count` operation records at once (a real shell's open loop, whose length is known).
    public func reserveRecords(_ count: Int) {
        if count > records.capacity { records.reserveCapacity(count) }
    }

    /// Open loop: no arrival before `t` (the shell waits for a leader; see `arrivalsAwaitLeader`).
    public func postponeArrivals(to t: Instant) {
        if t > nextArrival { nextArrival = t }
    }

    public var isOpenLoop: Bool { workload.ratePerSecond != nil }
    public var clientCount: Int { sessions.count }

    /// Operations still outstanding.
    public var outstandingOperations: Int { sessions.reduce(0) { $0 + ($1.outstanding == nil ? 0 : 1) } }

    // MARK: - Operations

    /// A closed-loop client's first operation (if the run still issues), due at `scheduled` (default:
    /// now; a shell that starts every client at once passes one instant to all of them).
    public func startClient<T: ClientTransport>(_ client: Int32, scheduled: Instant? = nil, via transport: T) {
        if issuing { beginOperation(client: client, scheduled: scheduled ?? transport.now, via: transport) }
    }

    func beginOperation<T: ClientTransport>(client: Int32, scheduled: Instant, via transport: T) {
        let c = Int(client)
        let command = operations.next(client: sessions[c].id, sequence: sessions[c].nextSequence)
        var (request, action) = sessions[c].begin(command)
        if let credentials {
            request = credentials.authenticate(request)
            sessions[c].attach(request.authenticator)
        }
        sent.record(client: request.client, sequence: request.sequence, command: command)
        sessions[c].recordIndex = records.count
        records.append(OperationRecord(client: request.client, sequence: request.sequence, command: command,
                                       scheduled: scheduled, invoked: transport.now, completed: nil, result: nil,
                                       status: .unknown, retries: 0))
        perform(action, client: client, via: transport)
    }

    /// Carries out what a client session asked for.
    func perform<T: ClientTransport>(_ action: ClientSession.Action, client: Int32, via transport: T) {
        let c = Int(client)
        switch action {
        case .none:
            return
        case .send(let to):
            guard let request = sessions[c].outstanding else { return }
            transport.sendRequest(request, to: to.rawValue)
            armTimer(client, after: workload.requestTimeout, isBackoff: false, via: transport)
        case .sendToAll:
            guard let request = sessions[c].outstanding else { return }
            for j in 0 ..< Int32(replicaCount) { transport.sendRequest(request, to: j) }
            armTimer(client, after: workload.requestTimeout, isBackoff: false, via: transport)
        case .retryLater(let after):
            armTimer(client, after: after, isBackoff: true, via: transport)
        case .completed(let result):
            complete(client: client, result: result, via: transport)
        }
    }

    func armTimer<T: ClientTransport>(_ client: Int32, after: Interval, isBackoff: Bool, via transport: T) {
        let c = Int(client)
        sessions[c].timerGeneration &+= 1
        timerIsBackoff[c] = isBackoff
        transport.armClientTimer(client, after: after, generation: sessions[c].timerGeneration)
    }

    /// A reply reached its client.
    public func received<T: ClientTransport>(_ reply: ClientReply, via transport: T) {
        let own = reply.client.index - clientIDOffset
        let c = own / clientIDStride
        guard own >= 0, own % clientIDStride == 0, c < sessions.count else {
            if sentExternal { externalReplies.append(reply) }
            return
        }
        if let credentials, !credentials.verifies(reply) {
            rejectedReplies += 1
            return
        }
        let action = sessions[c].receive(reply)
        if case .completed = action {
            perform(action, client: Int32(c), via: transport)
        } else if action != .none {
            records[sessions[c].recordIndex].retries += 1
            perform(action, client: Int32(c), via: transport)
        }
    }

    /// A client's timer fired; `generation` is the one its arming carried (nil: the shell cancels
    /// stale armings itself).
    public func clientTimerDue<T: ClientTransport>(client: Int32, generation: UInt32?, via transport: T) {
        let c = Int(client)
        guard c < sessions.count, generation.map({ $0 == sessions[c].timerGeneration }) ?? true,
              sessions[c].outstanding != nil else { return }
        records[sessions[c].recordIndex].retries += 1
        perform(timerIsBackoff[c] ? sessions[c].retryDue() : sessions[c].timedOut(), client: client, via: transport)
    }

    func complete<T: ClientTransport>(client: Int32, result: CommandResult, via transport: T) {
        let c = Int(client)
        sessions[c].timerGeneration &+= 1
        transport.cancelClientTimer(client)
        let now = transport.now
        let index = sessions[c].recordIndex
        records[index].completed = now
        records[index].result = result
        if case .swapped(false, _) = result { records[index].status = .fail } else { records[index].status = .ok }
        if window.contains(now) {
            completedInWindow += 1
            if let limit = stopAfterCompletions, completedInWindow >= limit {
                window.end = Instant(nanoseconds: now.nanoseconds + 1)
                issuing = false
                transport.windowClosed(at: window.end)
            }
        }
        guard issuing else { return }
        if !isOpenLoop {
            beginOperation(client: client, scheduled: now, via: transport)
        } else if backlogHead < backlog.count {
            let scheduled = backlog[backlogHead]
            backlogHead += 1
            beginOperation(client: client, scheduled: scheduled, via: transport)
        } else {
            freeClients.append(client)
        }
    }

    /// Open loop: every arrival due by now starts (or waits in the backlog for a free session), then
    /// the next one is scheduled. Gaps are exponential at the target rate.
    public func arrivalsDue<T: ClientTransport>(via transport: T) {
        guard issuing, let rate = workload.ratePerSecond, rate > 0 else { return }
        let now = transport.now
        while nextArrival <= now {
            if let client = freeClients.popLast() {
                beginOperation(client: client, scheduled: nextArrival, via: transport)
            } else {
                if backlogHead > 4096 && backlogHead * 2 > backlog.count {
                    backlog.removeFirst(backlogHead)
                    backlogHead = 0
                }
                backlog.append(nextArrival)
            }
            let u = max(transport.arrivalDraw(), 1e-12)
            nextArrival = nextArrival + Interval(nanoseconds: max(1, Int64((-log(u) / rate * 1e9).rounded())))
        }
        transport.scheduleArrival(at: nextArrival)
    }

    /// True when a client of this run sent exactly `request` (the validity check); read in place, so
    /// a shell's check per applied command copies nothing.
    @inlinable public func wasSent(_ request: ClientRequest) -> Bool { sent.contains(request) }

    /// A request a test sends on its own behalf (validity accepts it; its replies are kept apart).
    public func recordExternal(_ request: ClientRequest) {
        sentExternal = true
        sent.recordExternal(request)
    }
}
