import ConsensusCore

/// A broken variant of a protocol: it wraps the real replica (`inner`) and changes one rule. Whatever a
/// variant does not implement itself goes to `inner` unchanged, so each variant's file shows only the
/// rule it breaks.
protocol BrokenVariant: Replica
where Message == Inner.Message, Settings == Inner.Settings, DurableState == Inner.DurableState,
      DurableChange == Inner.DurableChange {
    associatedtype Inner: Replica
    var inner: Inner { get }
    init(inner: Inner)
}

extension BrokenVariant {
    static var faultModel: FaultModel { Inner.faultModel }
    static func clientContract(cluster: ClusterConfig, settings: Settings) -> ClientContract {
        Inner.clientContract(cluster: cluster, settings: settings)
    }

    init(id: NodeID, cluster: ClusterConfig, settings: Settings, random: DeterministicRandom) {
        self.init(inner: Inner(id: id, cluster: cluster, settings: settings, random: random))
    }

    func start(durable: DurableState?, now: Instant, outbox: inout Outbox<Message>) { inner.start(durable: durable, now: now, outbox: &outbox) }
    func receive(_ message: Message, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        inner.receive(message, from: sender, now: now, outbox: &outbox)
    }
    func timerFired(_ timer: TimerID, now: Instant, outbox: inout Outbox<Message>) { inner.timerFired(timer, now: now, outbox: &outbox) }
    func clientRequest(_ request: ClientRequest, now: Instant, outbox: inout Outbox<Message>) {
        inner.clientRequest(request, now: now, outbox: &outbox)
    }

    var durableState: DurableState { inner.durableState }
    func takeDurableRecords(into journal: inout [DurableRecord<DurableState, DurableChange>]) { inner.takeDurableRecords(into: &journal) }
    static func apply(_ change: DurableChange, to state: inout DurableState) { Inner.apply(change, to: &state) }
    var stateMachine: KVStateMachine { inner.stateMachine }
    func unpersistedAnswer() -> String? { inner.unpersistedAnswer() }

    /// Not the inner replica's: a variant is built to break what they assert, and the fault search, not
    /// a trap, is what must catch it.
    func invariantViolation() -> String? { nil }
}
