/// What a shell does with each kind of effect a replica's step put in its outbox. `Outbox.carryOut`
/// is the interpreter of an outbox: it walks the effects in order and hands each to the shell's
/// performer. The lock-step test cluster implements only the methods. The simulator and the loopback
/// node keep their own exhaustive switches for speed (see `Simulator.carryOut`, `ReplicaNode.carryOut`):
/// where a protocol is specialised in another module, a performer's methods stay unspecialised.
public protocol EffectPerformer {
    associatedtype Message
    /// Send to one peer.
    mutating func send(_ message: Message, to peer: NodeID)
    /// Send to every other replica (n − 1 messages on the wire).
    mutating func broadcast(_ message: Message)
    /// Arm (or re-arm) a timer.
    mutating func setTimer(_ timer: TimerID, after: Interval)
    mutating func cancelTimer(_ timer: TimerID)
    /// Answer a client.
    mutating func reply(_ reply: ClientReply)
    /// Make the durable state durable before anything that depends on it leaves.
    mutating func persist()
    /// Observation: the replica applied `request` at `position`.
    mutating func applied(position: UInt64, request: ClientRequest, executed: Bool)
    /// Observation: the replica became leader / primary of `epoch`.
    mutating func becameLeader(epoch: UInt64)
    /// Observation: the replica dropped a message of this kind whose authenticator did not verify.
    mutating func rejected(messageKind: Int)
    /// Observation: the replica met a state its safety argument rules out, and dropped the input.
    mutating func unsafe(_ detail: String)
}

extension Outbox {
    /// Carries out this step's effects, in the order the replica emitted them.
    @inlinable
    public func carryOut<P: EffectPerformer>(into performer: inout P) where P.Message == Message {
        for effect in effects {
            switch effect {
            case .send(let message, let to): performer.send(message, to: to)
            case .broadcast(let message): performer.broadcast(message)
            case .setTimer(let timer, let after): performer.setTimer(timer, after: after)
            case .cancelTimer(let timer): performer.cancelTimer(timer)
            case .reply(let reply): performer.reply(reply)
            case .persist: performer.persist()
            case .applied(let position, let request, let executed):
                performer.applied(position: position, request: request, executed: executed)
            case .becameLeader(let epoch): performer.becameLeader(epoch: epoch)
            case .rejected(let kind): performer.rejected(messageKind: kind)
            case .unsafe(let detail): performer.unsafe(detail)
            }
        }
    }
}
