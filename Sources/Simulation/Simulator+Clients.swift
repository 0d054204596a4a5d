import ConsensusCore
import Workload

// MARK: - Clients: the workload's sessions, driven by the simulator

extension Simulator {
    /// Client ↔ replica traffic uses the same latency model as replica links (no bandwidth queueing).
    func clientDelay(bytes: Int) -> Int64 {
        Int64(bytes) * picosPerByteOnLink / 1000 + propagationDelay()
    }

    func beginOperation(client: Int32, scheduled: Instant) {
        let c = Int(client)
        let command = operations.next(client: clients[c].id, sequence: clients[c].nextSequence)
        let (request, action) = clients[c].begin(command)
        sentCommands[c].append(command)
        clients[c].recordIndex = records.count
        records.append(OperationRecord(client: request.client, sequence: request.sequence, command: command,
                                       scheduled: scheduled, invoked: now, completed: nil, result: nil,
                                       status: .unknown, retries: 0))
        perform(action, client: client)
    }

    /// Carries out what a client session asked for.
    func perform(_ action: ClientSession.Action, client: Int32) {
        let c = Int(client)
        switch action {
        case .none:
            return
        case .send(let to):
            guard let request = clients[c].outstanding else { return }
            sendRequest(request, to: to.rawValue)
            armClientTimer(client, after: options.workload.requestTimeout, isBackoff: false)
        case .sendToAll:
            guard let request = clients[c].outstanding else { return }
            for j in 0 ..< Int32(cluster.replicaCount) { sendRequest(request, to: j) }
            armClientTimer(client, after: options.workload.requestTimeout, isBackoff: false)
        case .retryLater(let after):
            armClientTimer(client, after: after, isBackoff: true)
        case .completed(let result):
            complete(client: client, result: result)
        }
    }

    func armClientTimer(_ client: Int32, after: Interval, isBackoff: Bool) {
        clients[Int(client)].timerGeneration &+= 1
        schedule(at: now.nanoseconds + after.nanoseconds,
                 .clientTimer(client: client, generation: clients[Int(client)].timerGeneration, isBackoff: isBackoff))
    }

    func sendRequest(_ request: ClientRequest, to: Int32) {
        let size = Wire.frameSize(of: request)
        count(kind: stats.requestKind, bytes: size, at: now.nanoseconds)
        queue.insert(entry(.request, at: now.nanoseconds + clientDelay(bytes: size), slot: requests.store(request), receiver: to))
    }

    func sendReply(_ reply: ClientReply, from node: Int32, at time: Int64) {
        if let behavior = byzantine[Int(node)], behavior == .silent { return }
        let size = Wire.frameSize(of: reply)
        count(kind: stats.replyKind, bytes: size, at: time)
        var delay = clientDelay(bytes: size)
        if byzantine[Int(node)] == .slow { delay += options.network.slowDelay.nanoseconds }
        schedule(at: time + delay, .deliverReply(reply))
    }

    func clientReceived(_ reply: ClientReply) {
        let c = reply.client.index
        guard c < clients.count else {
            externalReplies.append(reply)
            return
        }
        let action = clients[c].receive(reply)
        if case .completed = action {
            perform(action, client: Int32(c))
        } else if action != .none {
            records[clients[c].recordIndex].retries += 1
            perform(action, client: Int32(c))
        }
    }

    func clientTimerFired(client: Int32, generation: UInt32, isBackoff: Bool) {
        let c = Int(client)
        guard clients[c].timerGeneration == generation, clients[c].outstanding != nil else { return }
        records[clients[c].recordIndex].retries += 1
        perform(isBackoff ? clients[c].retryDue() : clients[c].timedOut(), client: client)
    }

    func complete(client: Int32, result: CommandResult) {
        let c = Int(client)
        clients[c].timerGeneration &+= 1
        let index = clients[c].recordIndex
        records[index].completed = now
        records[index].result = result
        if case .swapped(false, _) = result { records[index].status = .fail } else { records[index].status = .ok }
        if inWindow(now.nanoseconds) {
            completedInWindow += 1
            if let limit = stopAfterCompletions, completedInWindow >= limit {
                windowEnd = Instant(nanoseconds: now.nanoseconds + 1)
                stopRequested = true
                issuing = false
            }
        }
        guard issuing else { return }
        if options.workload.ratePerSecond == nil {
            beginOperation(client: client, scheduled: now)
        } else if backlogHead < backlog.count {
            let scheduled = backlog[backlogHead]
            backlogHead += 1
            beginOperation(client: client, scheduled: scheduled)
        } else {
            freeClients.append(client)
        }
    }

    /// Open loop: Poisson arrivals at the target rate; an arrival with no free session waits in the
    /// backlog and its latency still counts from its scheduled time.
    func openLoopArrival() {
        guard issuing, let rate = options.workload.ratePerSecond, rate > 0 else { return }
        if let client = freeClients.popLast() {
            beginOperation(client: client, scheduled: now)
        } else {
            if backlogHead > 4096 && backlogHead * 2 > backlog.count {
                backlog.removeFirst(backlogHead)
                backlogHead = 0
            }
            backlog.append(now)
        }
        let u = max(random.unit(), 1e-12)
        let gap = Int64((-logarithm(u) / rate * 1e9).rounded())
        schedule(at: now.nanoseconds + max(gap, 1), .arrival)
    }

    /// Sends a request on a test's behalf from an external client id (beyond the workload's sessions);
    /// replies collect in `externalReplies`.
    public func submit(_ request: ClientRequest, to replica: NodeID) {
        externalRequests.insert(request)
        sendRequest(request, to: replica.rawValue)
    }

    /// Operations still outstanding.
    public var outstandingOperations: Int { clients.reduce(0) { $0 + ($1.outstanding == nil ? 0 : 1) } }
}

/// Natural logarithm without Foundation (Simulation stays free of it).
func logarithm(_ x: Double) -> Double {
    let e = x.exponent
    let m = x.significand
    let t = (m - 1) / (m + 1)
    let t2 = t * t
    var term = t, sum = 0.0, k = 1.0
    for _ in 0 ..< 30 { sum += term / k; term *= t2; k += 2 }
    return Double(e) * 0.693_147_180_559_945_3 + 2 * sum
}
