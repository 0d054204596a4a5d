import ConsensusCore
import PBFT

/// PBFT whose NEW-VIEW leaves out what the other replicas prepared (OSDI'99 §4.4: O must hold a
/// PRE-PREPARE for every sequence number with a prepared certificate in V, so a request committed in
/// the old view keeps its number in the new one). Every VIEW-CHANGE a replica receives loses its P set
/// on arrival, so a new primary builds O from its own certificates only and fills the other numbers with
/// null requests; the backups check that O against the same stripped V and accept it. (Run with
/// `auth: .none`, so the stripped VIEW-CHANGE is not rejected for its authenticator.)
final class PBFTNewViewDroppingPrepared: BrokenVariant {
    let inner: PBFT.Replica
    init(inner: PBFT.Replica) { self.inner = inner }
    static var protocolName: String { "pbft-new-view-dropping-prepared" }

    func receive(_ message: Message, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        var message = message
        if case .viewChange(var viewChange) = message {
            viewChange.prepared = []
            message = .viewChange(viewChange)
        }
        inner.receive(message, from: sender, now: now, outbox: &outbox)
    }
}
