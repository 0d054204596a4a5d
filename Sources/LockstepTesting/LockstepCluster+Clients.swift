// Closed-loop clients and the observed replica's recording, for the replica-step benchmarks: clients
// send to `clientTarget` and issue their next request when it answers. Failing loudly is the point:
// a redirect, a stall or a rejected authenticator stops the run, so a benchmark never measures a
// stream the protocol refuses.

import ConsensusCore

extension LockstepCluster {
    /// A benchmark's cluster: `observed` replica's inputs are recorded, clients (once started) talk to
    /// `clientTarget`, no disks are kept and a rejected message is fatal.
    public convenience init(count: Int, observed: Int, clientTarget: Int, make: @escaping (NodeID) -> R,
                            command: @escaping (ClientID, UInt64) -> Command = halfPutsHalfGets) {
        precondition(clientTarget >= 0 && clientTarget < count, "client target \(clientTarget) must be a replica of \(count)")
        self.init(count: count, observed: observed, keepsDisks: false, haltsOnRejection: true, make: make)
        self.clientTarget = clientTarget
        self.command = command
    }

    /// Starts `count` closed-loop clients (ids 1 ... count), one request outstanding each.
    public func startClients(_ count: Int) {
        precondition(clientCount == 0, "clients already started")
        clientCount = count
        outstanding = Array(repeating: 0, count: count + 1)
        for c in 1 ... count { issue(client: c) }
    }

    /// Delivers until the observed replica has handled `count` inputs not taken yet, and returns them
    /// (exactly `count` when nothing was left untaken).
    public func takeRecorded(_ count: Int) -> [TimedInput<R.Message>] {
        run(until: { recorded.count >= count }, "replica \(observed ?? -1) handled \(count) more inputs")
        return takeRecorded()
    }

    /// Every input the observed replica handled and nobody took yet (those of the start-up, say).
    public func takeRecorded() -> [TimedInput<R.Message>] {
        let taken = recorded
        recorded.removeAll(keepingCapacity: true)
        return taken
    }

    /// A closed-loop client's answer: the target's reply completes the request and issues the next.
    func clientReceived(_ reply: ClientReply, from sender: Int) {
        guard sender == clientTarget else { return }  // PBFT: every replica answers; count the target's
        let c = reply.client.index
        guard case .executed = reply.outcome else {
            fatalError("replica \(sender) answered \(reply.client) #\(reply.sequence) with \(reply.outcome): clients must reach the leader")
        }
        guard c >= 1, c <= clientCount, outstanding[c] == reply.sequence else { return }  // a repeated answer
        completedRequests += 1
        issue(client: c)
    }

    func issue(client c: Int) {
        outstanding[c] += 1
        let id = ClientID(c)
        request(ClientRequest(client: id, sequence: outstanding[c], command: command(id, outstanding[c])), to: clientTarget)
    }
}

/// The closed-loop clients' default commands: half puts, half gets, over 64 keys, so every client
/// touches every key over time. (A free function: a default that names the generic type would capture it.)
public func halfPutsHalfGets(_ client: ClientID, _ sequence: UInt64) -> Command {
    let key = Key((UInt64(client.rawValue) &* 7 &+ sequence) % 64)
    if sequence % 2 == 1 { return .put(key, Value(tag: UInt64(client.rawValue) << 32 | sequence, size: 16)) }
    return .get(key)
}
