import ConsensusCore

/// A minimal protocol to test the shell with: every replica applies a client request at once, tells
/// every other replica (one `Note` each) and answers. Durable state: how many requests it saw, and
/// the order in which Notes from each peer arrived (for the FIFO test).
final class ToyReplica: Replica {
    struct Message: TamperableMessage, Equatable {
        var counter: UInt64
        static let kindNames = ["Note"]
        var kind: Int { 0 }
        var encodedSize: Int { 8 }
        func encode(into w: inout WireWriter) { w.write(counter) }
        static func decode(from r: inout WireReader) throws(WireError) -> Message { Message(counter: try r.read()) }
    }
    struct Settings: Sendable {
        var tickInterval: Interval? = nil
        /// Requests beyond this many change the durable count without a `persist` (the bug a disk must expose).
        var persistsFirst: Int = .max
    }
    struct Durable { var requestsSeen: Int }
    /// The toy writes its whole durable state at every persist.
    typealias DurableChange = Never

    static var protocolName: String { "toy" }
    static var faultModel: FaultModel { .crash }
    static func clientContract(cluster: ClusterConfig, settings: Settings) -> ClientContract {
        ClientContract(matchingRepliesNeeded: 1, retryToAll: false)
    }

    let id: NodeID
    let settings: Settings
    var requestsSeen = 0
    var notesFrom: [NodeID: [UInt64]] = [:]
    var ticks = 0
    var kv = KVStateMachine()
    var startedWith: Durable?

    init(id: NodeID, cluster: ClusterConfig, settings: Settings, random: DeterministicRandom) {
        self.id = id
        self.settings = settings
    }

    func start(durable: Durable?, now: Instant, outbox: inout Outbox<Message>) {
        startedWith = durable
        requestsSeen = durable?.requestsSeen ?? 0
        if let t = settings.tickInterval { outbox.setTimer(TimerID(0), after: t) }
    }

    func receive(_ message: Message, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        notesFrom[sender, default: []].append(message.counter)
    }

    func timerFired(_ timer: TimerID, now: Instant, outbox: inout Outbox<Message>) {
        ticks += 1
        outbox.broadcast(Message(counter: UInt64(ticks)))
        if let t = settings.tickInterval { outbox.setTimer(TimerID(0), after: t) }
    }

    func clientRequest(_ request: ClientRequest, now: Instant, outbox: inout Outbox<Message>) {
        requestsSeen += 1
        if requestsSeen <= settings.persistsFirst { outbox.persist() }
        let result = kv.apply(request) ?? .none
        outbox.broadcast(Message(counter: UInt64(requestsSeen)))
        outbox.reply(ClientReply(client: request.client, sequence: request.sequence, replica: id, outcome: .executed(result)))
    }

    var durableState: Durable { Durable(requestsSeen: requestsSeen) }
    func takeDurableRecords(into journal: inout [DurableRecord<Durable, Never>]) { journal.append(.snapshot(durableState)) }
    static func apply(_ change: Never, to state: inout Durable) {}
    var stateMachine: KVStateMachine { kv }
    /// Every request it saw, it applied.
    func invariantViolation() -> String? {
        kv.executedCount <= requestsSeen ? nil : "toy \(id): executed \(kv.executedCount) of \(requestsSeen) requests seen"
    }
}
