import ConsensusCore

// Client requests (§4.1): the primary orders them; a backup that receives one directly relays it to
// the primary and starts its view-change timer (§4.4). Replies go straight to the client from every
// replica once the request executes (in `+Agreement`).

extension PBFT.Replica {
    public func clientRequest(_ request: ClientRequest, now: Instant, outbox: inout Outbox<Message>) {
        guard request.client != PBFT.nullClient else { return }
        // §4.1: a request carries its client's authenticator; one that does not verify here is dropped.
        guard keys.verifyRequest(request, work: &outbox.cryptoWork) else {
            reject(Self.requestKind, outbox: &outbox)
            return
        }
        if stateMachine.hasExecuted(request) {
            // §4.1: a replica that already executed the request re-sends its reply (the client may have
            // missed it); an older request of the session gets nothing (nil).
            replyFromCache(request, outbox: &outbox)
            return
        }
        if isPrimary && isViewActive {
            enqueue(request, outbox: &outbox)
            return
        }
        // A backup hears from a client only when the client timed out and multicast its request (§4.1):
        // wait for it to execute under a timer, relay it to the primary, and name the primary to the
        // client so that its next request goes there directly.
        if let w = waiting[request.client], w.sequence >= request.sequence {} else { waiting[request.client] = request }
        armRequestTimer(outbox: &outbox)
        guard isViewActive else { return }
        let primary = primary(of: view)
        guard primary != id else { return }
        var relay = PBFT.ForwardedRequest(request: request, replica: id, authenticator: .none)
        if keys.mode != .none {
            outbox.cryptoWork.digestsComputed += 1
            relay.authenticator = keys.authenticate(relay.block, .pointToPoint, to: primary, work: &outbox.cryptoWork)
        }
        outbox.send(.forwardedRequest(relay), to: primary)
        reply(ClientReply(client: request.client, sequence: request.sequence, replica: id, outcome: .redirect(hint: primary)),
              outbox: &outbox)
    }

    func receiveForwardedRequest(_ m: PBFT.ForwardedRequest, from sender: NodeID, outbox: inout Outbox<Message>) {
        guard m.replica == sender, m.request.client != PBFT.nullClient else { return }
        if keys.mode != .none { outbox.cryptoWork.digestsComputed += 1 }
        guard keys.verify(m.authenticator, keys.mode == .none ? PBFT.AuthBlock.empty : m.block, from: sender,
                          .pointToPoint, work: &outbox.cryptoWork) else {
            reject(Message.Kind.forwardedRequest, outbox: &outbox)
            return
        }
        guard isPrimary, isViewActive else { return }
        // The relaying backup vouches for nothing: the request must carry its client's proof for us.
        guard keys.verifyRequest(m.request, work: &outbox.cryptoWork) else {
            reject(Self.requestKind, outbox: &outbox)
            return
        }
        if stateMachine.hasExecuted(m.request) {
            replyFromCache(m.request, outbox: &outbox)
        } else {
            enqueue(m.request, outbox: &outbox)
        }
    }

    func replyFromCache(_ request: ClientRequest, outbox: inout Outbox<Message>) {
        if let result = stateMachine.cachedResult(client: request.client, sequence: request.sequence) {
            reply(ClientReply(client: request.client, sequence: request.sequence, replica: id, outcome: .executed(result)),
                  outbox: &outbox)
        }
    }

    /// The primary queues a request it has not seen in this view and orders what the window allows.
    func enqueue(_ request: ClientRequest, outbox: inout Outbox<Message>) {
        guard known.insert(RequestKey(request)).inserted else { return }
        queue.append(request)
        propose(outbox: &outbox)
    }

    /// The primary assigns the next sequence numbers to queued requests, a batch of up to `maxBatch` at
    /// a time, while the number stays under the high water mark (§4.2) and fewer than the pipeline
    /// depth are in flight (TOCS §5.1.4: batches form while earlier ones are being agreed on).
    func propose(outbox: inout Outbox<Message>) {
        guard isPrimary, isViewActive else { return }
        let depth = UInt64(settings.effectivePipelineDepth)
        let maxBatch = settings.maxBatch
        while queueHead < queue.count {
            let inFlight = lastAssigned > lastExecuted ? lastAssigned - lastExecuted : 0
            guard lastAssigned < highWaterMark, inFlight < depth else { break }
            var batch: [ClientRequest] = []
            batch.reserveCapacity(min(maxBatch, queue.count - queueHead))
            while queueHead < queue.count, batch.count < maxBatch {
                let request = queue[queueHead]
                queueHead += 1
                if stateMachine.hasExecuted(request) {
                    known.remove(RequestKey(request))
                } else {
                    batch.append(request)
                }
            }
            if batch.isEmpty { continue }
            lastAssigned += 1
            assign(batch, sequence: lastAssigned, outbox: &outbox)
        }
        if queueHead == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
        } else if queueHead >= 1024, queueHead * 2 >= queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
    }

    /// PRE-PREPARE(v, n, d) with the batch piggybacked, multicast to the backups (§4.2).
    func assign(_ batch: [ClientRequest], sequence: UInt64, outbox: inout Outbox<Message>) {
        outbox.cryptoWork.digestsComputed += 1
        let digest = PBFT.digest(of: batch, scratch: &scratch)
        var message = PBFT.PrePrepare(view: view, sequence: sequence, digest: digest, requests: batch, primary: id,
                                      authenticator: .none)
        message.authenticator = keys.authenticate(message.block, .multicast, work: &outbox.cryptoWork)
        // Logged (and persisted) before it leaves, so a restarted primary never reuses the number.
        let i = prepareSlot(sequence)
        acceptPrePrepare(slot: i, digest: digest, requests: batch, authenticator: message.authenticator, outbox: &outbox,
                         announce: message)
    }

    func armRequestTimer(outbox: inout Outbox<Message>) {
        guard isViewActive, !requestTimerArmed else { return }
        requestTimerArmed = true
        outbox.setTimer(PBFT.Timers.request, after: backedOff(settings.requestTimeout))
    }

    /// A request this backup waited for executed: stop the timer, or restart it if it still waits for
    /// another (§4.4).
    func waitingProgressed(outbox: inout Outbox<Message>) {
        guard requestTimerArmed || !waiting.isEmpty else { return }
        if waiting.isEmpty {
            requestTimerArmed = false
            outbox.cancelTimer(PBFT.Timers.request)
        } else if isViewActive {
            requestTimerArmed = true
            outbox.setTimer(PBFT.Timers.request, after: backedOff(settings.requestTimeout))
        }
    }
}
