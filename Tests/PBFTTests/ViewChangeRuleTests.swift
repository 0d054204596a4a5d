import ConsensusCore
import LockstepTesting
@testable import PBFT
import Testing

/// View changes (OSDI'99 §4.4, §4.5.2) on messages taken apart by hand. The view change as a whole (a
/// prepared request surviving into O, f+1 VIEW-CHANGEs making a replica join) is a scenario:
/// testdata/view-change-prepared.txt.
@Suite("PBFT view change (§4.4)")
struct ViewChangeRuleTests {
    /// Sequence number 1 commits everywhere; 2 prepares everywhere but its commits are lost; then every
    /// backup has a client's retry of request 3 waiting and its request timer fires: VIEW-CHANGE for view 1.
    /// Returns the cluster with the VIEW-CHANGE messages still queued.
    func clusterChangingView(auth: PBFT.Authentication = .mac) -> (LockstepCluster<PBFT.Replica>, [PBFT.ViewChange]) {
        let c = lockstepCluster(n: 4, settings: settings(auth: auth))
        c.order(put(client: 1, sequence: 1))
        c.deliverAll()
        c.isLost = { _, _, m in if case .commit(let x) = m { return x.sequence == 2 } else { return false } }
        c.order(put(client: 2, sequence: 1))
        c.deliverAll()
        // From here the primary is faulty: everything it sends is lost. A client's request 3 times out
        // and is multicast; the backups relay it to the primary, which orders it in vain.
        c.isLost = { from, _, _ in from == 0 }
        for i in 1 ... 3 { c.order(put(client: 3, sequence: 1), at: i) }
        c.deliverAll()
        for i in 0 ..< 4 { #expect(c.replicas[i].isPrepared(2) && !c.replicas[i].isCommitted(2)) }
        let waiting = c.replicas[1...].map { !$0.waiting.isEmpty }
        #expect(waiting.allSatisfy { $0 })
        for i in 1 ... 3 { #expect(c.fireArmed(PBFT.Timers.request, at: i)) }
        let vcs = c.pending.compactMap { e -> PBFT.ViewChange? in
            if case .viewChange(let m)? = e.message, e.to == 2 || e.sender == 2 { return m } else { return nil }
        }
        var unique: [PBFT.ViewChange] = []
        for vc in vcs where !unique.contains(where: { $0.replica == vc.replica }) { unique.append(vc) }
        return (c, unique.sorted { $0.replica < $1.replica })
    }

    @Test("a backup whose request timer expires multicasts VIEW-CHANGE with its prepared certificates")
    func timerExpiryStartsViewChange() {
        let (c, vcs) = clusterChangingView()
        #expect(vcs.count == 3)
        for vc in vcs {
            #expect(vc.newView == 1)
            #expect(vc.stableSequence == 0)
            #expect(vc.prepared.map(\.sequence).contains(2))
            // 2f prepares make the certificate; the late ones from the other backups ride along as
            // extra proofs (so that 2f verify at every replica even if a faulty one split its MACs).
            #expect(vc.prepared.allSatisfy { $0.prepares.count == 3 })
            if case .signature = vc.authenticator {} else { Issue.record("VIEW-CHANGE must be signed under mac") }
        }
        for i in 1 ... 3 {
            #expect(c.replicas[i].view == 1)
            #expect(!c.replicas[i].isViewActive)
        }
    }

    @Test("a faulty replica's equivocated VIEW-CHANGE hides its prepared certificates and still verifies", arguments: [PBFT.Authentication.mac, .signatures, .none])
    func equivocatedViewChangeHidesCertificates(auth: PBFT.Authentication) {
        let (c, vcs) = clusterChangingView(auth: auth)
        let honest = vcs.first { $0.replica == NodeID(3) }!
        #expect(!honest.prepared.isEmpty)
        guard case .viewChange(let lie)? = PBFT.Message.viewChange(honest).equivocated(variant: 1, earlier: nil, cluster: cluster(4)) else {
            Issue.record("a VIEW-CHANGE with certificates must have an equivocated version")
            return
        }
        #expect(lie.prepared.isEmpty && lie.replica == honest.replica && lie.newView == honest.newView)
        // The new primary (replica 1) cannot tell the lie from a replica that prepared nothing.
        let out = c.replicas[1].deliver(.viewChange(lie), from: 3)
        #expect(out.rejectedKinds.isEmpty)
        // Nothing to hide, nothing to equivocate about.
        var empty = honest
        empty.prepared = []
        #expect(PBFT.Message.viewChange(empty).equivocated(variant: 1, earlier: nil, cluster: cluster(4)) == nil)
    }

    @Test("a NEW-VIEW that does not match the recomputed set is rejected", arguments: [PBFT.Authentication.mac, .signatures])
    func mismatchedNewViewRejected(auth: PBFT.Authentication) {
        let (c, vcs) = clusterChangingView(auth: auth)
        let backup = c.replicas[2]
        for vc in vcs where vc.replica != NodeID(2) { _ = backup.deliver(.viewChange(vc), from: vc.replica.index) }
        #expect(!backup.isViewActive)
        let decision = PBFT.NewViewDecision(viewChanges: vcs, nullDigest: digest([]))
        let correct = decision.entries.map { ($0.sequence, $0.digest) }
        #expect(correct.map(\.0).contains(2))
        var newPrimary = Forger(1, auth: auth)
        // O that turns the prepared request 2 into a null request.
        let tampered = correct.map { ($0.0, $0.0 == 2 ? digest([]) : $0.1) }
        let out1 = backup.deliver(newPrimary.newView(view: 1, viewChanges: vcs, entries: tampered), from: 1)
        #expect(out1.rejectedKinds == [PBFT.Message.Kind.newView])
        #expect(!backup.isViewActive)
        // O that leaves a sequence number out.
        let out2 = backup.deliver(newPrimary.newView(view: 1, viewChanges: vcs, entries: Array(correct.dropLast())), from: 1)
        #expect(out2.rejectedKinds == [PBFT.Message.Kind.newView])
        // V with too few VIEW-CHANGE messages.
        let out3 = backup.deliver(newPrimary.newView(view: 1, viewChanges: Array(vcs.prefix(2)), entries: correct), from: 1)
        #expect(out3.rejectedKinds == [PBFT.Message.Kind.newView])
        #expect(!backup.isViewActive)
        // The right one is accepted: the backup enters view 1 and prepares every pre-prepare of O.
        let ok = backup.deliver(newPrimary.newView(view: 1, viewChanges: vcs, entries: correct), from: 1)
        #expect(ok.rejectedKinds.isEmpty)
        #expect(backup.isViewActive && backup.view == 1)
        #expect(ok.prepares.map(\.sequence) == correct.map(\.0))
    }

    @Test("a VIEW-CHANGE whose prepared certificate lacks 2f valid prepares is rejected")
    func forgedCertificateRejected() {
        let (c, vcs) = clusterChangingView()
        guard var vc = vcs.first(where: { $0.replica == NodeID(3) }), let k = vc.prepared.firstIndex(where: { $0.sequence == 2 }) else {
            Issue.record("no certificate")
            return
        }
        // Replica 3 claims request 2 prepared with another batch: the prepares' authenticators do not cover it.
        vc.prepared[k].requests = [put(client: 9, sequence: 1)]
        vc.prepared[k].digest = digest(vc.prepared[k].requests)
        var mallory = Forger(3)
        var work = CryptoWork()
        vc.authenticator = mallory.keys.authenticate(vc.block, .signed, work: &work)
        let out = c.replicas[2].deliver(.viewChange(vc), from: 3)
        #expect(out.rejectedKinds == [PBFT.Message.Kind.viewChange])
    }

    @Test("O takes the highest-view certificate for each number and fills the gaps with null requests")
    func newViewDecisionRule() {
        func cert(_ view: UInt64, _ sequence: UInt64, _ batch: [ClientRequest]) -> PBFT.PreparedCertificate {
            PBFT.PreparedCertificate(view: view, sequence: sequence, digest: digest(batch), requests: batch,
                                     prePrepareAuthenticator: .none, prepares: [])
        }
        func vc(_ replica: Int, stable: UInt64, _ prepared: [PBFT.PreparedCertificate]) -> PBFT.ViewChange {
            PBFT.ViewChange(newView: 3, stableSequence: stable, stableDigest: UInt64(stable), checkpointProof: [],
                            prepared: prepared, replica: NodeID(replica), authenticator: .none)
        }
        let a = [put(sequence: 1)], b = [put(sequence: 2)], c = [put(sequence: 3)]
        let decision = PBFT.NewViewDecision(viewChanges: [
            vc(0, stable: 128, [cert(1, 129, a), cert(1, 132, b)]),
            vc(1, stable: 0, [cert(0, 100, c), cert(2, 132, c)]),
            vc(2, stable: 128, []),
        ], nullDigest: digest([]))
        #expect(decision.stableSequence == 128)  // min-s: the latest stable checkpoint in V
        #expect(decision.maxSequence == 132)     // max-s: the highest prepared number
        #expect(decision.entries.map(\.sequence) == [129, 130, 131, 132])
        #expect(decision.entries.map(\.digest) == [digest(a), digest([]), digest([]), digest(c)])
        #expect(decision.entries[3].requests == c)
    }

    @Test("the view-change timeout doubles with each consecutive view change")
    func viewChangeTimeoutDoubles() {
        let (c, vcs) = clusterChangingView()
        let backup = c.replicas[3]
        var timeouts: [Interval] = []
        func record(_ out: Outbox) {
            for e in out.effects { if case .setTimer(PBFT.Timers.viewChange, let after) = e { timeouts.append(after) } }
        }
        for vc in vcs where vc.replica != NodeID(3) { record(backup.deliver(.viewChange(vc), from: vc.replica.index)) }
        // No NEW-VIEW for view 1 arrives: the timer fires, view 2, and so on.
        for next in 2 ... 3 {
            let out = backup.fire(PBFT.Timers.viewChange)
            #expect(backup.view == UInt64(next))
            guard let own = out.viewChanges.first else { Issue.record("no VIEW-CHANGE"); return }
            var others: [Forger] = [Forger(1), Forger(2)]
            for k in 0 ..< 2 {
                var w = CryptoWork()
                var vc = own
                vc.replica = others[k].sender
                vc.checkpointProof = []
                vc.authenticator = others[k].keys.authenticate(vc.block, .signed, work: &w)
                record(backup.deliver(.viewChange(vc), from: vc.replica.index))
            }
        }
        #expect(timeouts.count == 3)
        #expect(timeouts[1].nanoseconds == 2 * timeouts[0].nanoseconds)
        #expect(timeouts[2].nanoseconds == 2 * timeouts[1].nanoseconds)
    }
}
