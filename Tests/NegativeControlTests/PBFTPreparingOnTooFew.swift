import ConsensusCore
import PBFT

/// PBFT that is prepared on 2f−1 matching PREPAREs instead of 2f (OSDI'99 §4.2: the pre-prepare and 2f
/// prepares from distinct backups, so any two prepared certificates of one view share an honest
/// replica). The first PREPARE it receives for a slot also arrives a second time, as if from a backup
/// that has not sent one: one phantom vote per slot and view. (Run with `auth: .none`, so the phantom is
/// not rejected for its authenticator: the quorum rule itself is what is broken.)
final class PBFTPreparingOnTooFew: BrokenVariant {
    let inner: PBFT.Replica
    init(inner: PBFT.Replica) { self.inner = inner }
    static var protocolName: String { "pbft-prepared-on-2f-1" }

    private struct SlotOfView: Hashable {
        var view: UInt64
        var sequence: UInt64
    }

    private var phantomed: Set<SlotOfView> = []

    func receive(_ message: Message, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        inner.receive(message, from: sender, now: now, outbox: &outbox)
        guard case .prepare(var prepare) = message, prepare.replica == sender,
              phantomed.insert(SlotOfView(view: prepare.view, sequence: prepare.sequence)).inserted else { return }
        let primary = inner.primary(of: prepare.view)
        guard let phantom = (0 ..< inner.cluster.replicaCount).map(NodeID.init)
            .first(where: { $0 != sender && $0 != inner.id && $0 != primary }) else { return }
        prepare.replica = phantom
        inner.receive(.prepare(prepare), from: phantom, now: now, outbox: &outbox)
    }
}
