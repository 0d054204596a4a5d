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

    @Test("a backup whose request timer expires multicasts VIEW-CHANGE with what prepared and pre-prepared there")
    func timerExpiryStartsViewChange() {
        let (c, vcs) = clusterChangingView()
        #expect(vcs.count == 3)
        for vc in vcs {
            #expect(vc.newView == 1)
            #expect(vc.stableSequence == 0)
            #expect(vc.prepared.map(\.sequence) == [1, 2])
            #expect(vc.prePrepared.map(\.sequence) == [1, 2])
            #expect(zip(vc.prepared, vc.prePrepared).allSatisfy { $0.digest == $1.digest && $0.view == 0 && $1.view == 0 })
            if case .signature = vc.authenticator {} else { Issue.record("VIEW-CHANGE must be signed under mac") }
        }
        for i in 1 ... 3 {
            #expect(c.replicas[i].view == 1)
            #expect(!c.replicas[i].isViewActive)
        }
    }

    @Test("a faulty replica's equivocated VIEW-CHANGE hides P and Q and still verifies", arguments: [PBFT.Authentication.mac, .signatures, .none])
    func equivocatedViewChangeHidesCertificates(auth: PBFT.Authentication) {
        let (c, vcs) = clusterChangingView(auth: auth)
        let honest = vcs.first { $0.replica == NodeID(3) }!
        #expect(!honest.prepared.isEmpty)
        guard case .viewChange(let lie)? = PBFT.Message.viewChange(honest).equivocated(variant: 1, earlier: nil, cluster: cluster(4)) else {
            Issue.record("a VIEW-CHANGE with certificates must have an equivocated version")
            return
        }
        #expect(lie.prepared.isEmpty && lie.prePrepared.isEmpty && lie.replica == honest.replica && lie.newView == honest.newView)
        // The new primary (replica 1) cannot tell the lie from a replica that prepared nothing.
        let out = c.replicas[1].deliver(.viewChange(lie), from: 3)
        #expect(out.rejectedKinds.isEmpty)
        // Nothing to hide, nothing to equivocate about.
        var empty = honest
        empty.prepared = []
        empty.prePrepared = []
        #expect(PBFT.Message.viewChange(empty).equivocated(variant: 1, earlier: nil, cluster: cluster(4)) == nil)
    }

    @Test("a NEW-VIEW that does not match the recomputed set is rejected", arguments: [PBFT.Authentication.mac, .signatures])
    func mismatchedNewViewRejected(auth: PBFT.Authentication) {
        let (c, vcs) = clusterChangingView(auth: auth)
        let backup = c.replicas[2]
        for vc in vcs where vc.replica != NodeID(2) { _ = backup.deliver(.viewChange(vc), from: vc.replica.index) }
        #expect(!backup.isViewActive)
        let decision = PBFT.NewViewDecision(viewChanges: vcs, faultTolerance: 1, window: backup.window, nullDigest: digest([]))!
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

    @Test("a new primary facing a lie in P waits for another VIEW-CHANGE, then takes the batch that prepared")
    func lieInPreparedOutvoted() {
        let (c, vcs) = clusterChangingView()
        let newPrimary = c.replicas[1]
        guard var lie = vcs.first(where: { $0.replica == NodeID(3) }),
              let k = lie.prepared.firstIndex(where: { $0.sequence == 2 }) else {
            Issue.record("no P entry for 2")
            return
        }
        let prepared = lie.prepared[k].digest
        // Replica 3 claims request 2 prepared with another batch, and reports that batch pre-prepared.
        lie.prepared[k].requests = [put(client: 9, sequence: 1)]
        lie.prepared[k].digest = digest(lie.prepared[k].requests)
        lie.prePrepared = lie.prePrepared.map { q in
            var q = q
            if q.sequence == 2 { q.digest = lie.prepared[k].digest }
            return q
        }
        var mallory = Forger(3)
        var work = CryptoWork()
        lie.authenticator = mallory.keys.authenticate(lie.block, .signed, work: &work)
        // A claim is not a proof: the VIEW-CHANGE is well formed and accepted.
        _ = newPrimary.deliver(.viewChange(vcs.first { $0.replica == NodeID(2) }!), from: 2)
        let withLie = newPrimary.deliver(.viewChange(lie), from: 3)
        #expect(withLie.rejectedKinds.isEmpty)
        // Its own, 2's and 3's: 2f+1, but 3 contradicts 1 and 2 for number 2 and nobody backs 3.
        #expect(!withLie.broadcasts.contains { if case .newView = $0 { true } else { false } })
        #expect(!newPrimary.isViewActive)
        // The old primary's VIEW-CHANGE (it prepared 2 too) makes three uncontradicted.
        var w = CryptoWork()
        let fromOldPrimary = c.replicas[0].makeViewChange(1, work: &w)
        let out = newPrimary.deliver(.viewChange(fromOldPrimary), from: 0)
        guard case .newView(let nv)? = out.broadcasts.first(where: { if case .newView = $0 { true } else { false } }) else {
            Issue.record("no NEW-VIEW once the old primary's VIEW-CHANGE arrived")
            return
        }
        // V: its own and the 2f others of the lowest ids, which decide: the liar's is not among them.
        #expect(nv.viewChanges.map(\.replica) == [NodeID(1), NodeID(0), NodeID(2)])
        #expect(nv.prePrepares.first { $0.sequence == 2 }?.digest == prepared)
        #expect(newPrimary.isViewActive && newPrimary.view == 1)
        // A backup checks the same four and accepts.
        let backup = c.replicas[2]
        for vc in nv.viewChanges where vc.replica != NodeID(2) { _ = backup.deliver(.viewChange(vc), from: vc.replica.index) }
        #expect(backup.deliver(.newView(nv), from: 1).rejectedKinds.isEmpty)
        #expect(backup.isViewActive && backup.view == 1)
    }

    /// VIEW-CHANGE messages by hand, for the decision rules (f = 1, L = 256).
    func vc(_ replica: Int, stable: UInt64 = 0, checkpoints: [UInt64] = [], prepared: [PBFT.PreparedEntry] = [],
            prePrepared: [(UInt64, [ClientRequest], UInt64)] = []) -> PBFT.ViewChange {
        PBFT.ViewChange(newView: 3, stableSequence: stable, stableDigest: stable == 0 ? PBFT.genesisDigest : stable,
                        checkpoints: checkpoints.map { PBFT.CheckpointEntry(sequence: $0, stateDigest: $0) },
                        prepared: prepared, prePrepared: prePrepared.map { PBFT.PrePreparedEntry(sequence: $0.0, digest: digest($0.1), view: $0.2) },
                        replica: NodeID(replica), authenticator: .none)
    }

    func entry(_ view: UInt64, _ sequence: UInt64, _ batch: [ClientRequest]) -> PBFT.PreparedEntry {
        PBFT.PreparedEntry(view: view, sequence: sequence, digest: digest(batch), requests: batch)
    }

    func decide(_ s: [PBFT.ViewChange]) -> PBFT.NewViewDecision? {
        PBFT.NewViewDecision(viewChanges: s, faultTolerance: 1, window: 256, nullDigest: digest([]))
    }

    @Test("O takes the highest-view batch that 2f+1 do not contradict and f+1 saw pre-prepared, else the null request")
    func newViewDecisionRule() {
        let a = [put(sequence: 1)], b = [put(sequence: 2)], c = [put(sequence: 3)]
        let decision = decide([
            vc(0, stable: 128, prepared: [entry(1, 129, a), entry(1, 132, b)], prePrepared: [(129, a, 1), (132, b, 1)]),
            vc(1, stable: 128, prepared: [entry(2, 132, c)], prePrepared: [(129, a, 1), (132, b, 1), (132, c, 2)]),
            vc(2, stable: 128, prePrepared: [(132, c, 2)]),
        ])
        #expect(decision?.stableSequence == 128)
        #expect(decision?.maxSequence == 132)
        #expect(decision?.entries.map(\.sequence) == [129, 130, 131, 132])
        // 129: a; 130, 131: nobody prepared anything (B); 132: c of view 2 over b of view 1.
        #expect(decision?.entries.map(\.digest) == [digest(a), digest([]), digest([]), digest(c)])
        #expect(decision?.entries[3].requests == c)
    }

    @Test("a P entry that fewer than f+1 report pre-prepared is not taken: a faulty replica cannot invent a batch")
    func inventedBatchNotTaken() {
        let invented = [put(client: 9, sequence: 1)]
        let decision = decide([
            vc(0, prepared: [entry(1, 1, invented)], prePrepared: [(1, invented, 1)]),
            vc(1), vc(2), vc(3),
        ])
        #expect(decision?.entries.map(\.digest) == [digest([])])
        // Listing the digest twice does not make it two reports.
        let twice = decide([
            vc(0, prepared: [entry(1, 1, invented)], prePrepared: [(1, invented, 1), (1, invented, 2)]),
            vc(1), vc(2), vc(3),
        ])
        #expect(twice?.entries.map(\.digest) == [digest([])])
    }

    @Test("a VIEW-CHANGE whose Q lists a digest twice for one number, or P a number twice, is rejected")
    func malformedClaimsRejected() {
        let (c, vcs) = clusterChangingView()
        guard let honest = vcs.first(where: { $0.replica == NodeID(3) }), let q = honest.prePrepared.last,
              let p = honest.prepared.last else {
            Issue.record("no P and Q")
            return
        }
        var mallory = Forger(3)
        var work = CryptoWork()
        var doubledQ = honest
        doubledQ.prePrepared.append(q)
        doubledQ.authenticator = mallory.keys.authenticate(doubledQ.block, .signed, work: &work)
        #expect(c.replicas[1].deliver(.viewChange(doubledQ), from: 3).rejectedKinds == [PBFT.Message.Kind.viewChange])
        var doubledP = honest
        doubledP.prepared.append(p)
        doubledP.authenticator = mallory.keys.authenticate(doubledP.block, .signed, work: &work)
        #expect(c.replicas[1].deliver(.viewChange(doubledP), from: 3).rejectedKinds == [PBFT.Message.Kind.viewChange])
        #expect(c.replicas[1].deliver(.viewChange(honest), from: 3).rejectedKinds.isEmpty)
    }

    /// Rule A1 rests on the commit quorum, not on the prepare quorum's intersection: a batch that
    /// committed in view v prepared at f+1 honest replicas, and their P entries contradict any other
    /// batch of view v in every set of 2f+1 or more. So even if a second batch prepared in the same view
    /// (which 2f matching PREPAREs rule out and 2f−1 would not), no set of VIEW-CHANGEs takes it.
    @Test("a batch that prepared beside a committed one in the same view is never taken, whatever the set")
    func conflictingPreparedOfOneViewNotTaken() {
        let committed = [put(sequence: 1)], other = [put(client: 9, sequence: 1)]
        // n = 4, f = 1: 0 and 2 prepared (and committed) `committed`; 1 prepared `other`; 3 is faulty
        // and backs `other` in P and Q.
        let all = [vc(0, prepared: [entry(1, 1, committed)], prePrepared: [(1, committed, 1)]),
                   vc(1, prepared: [entry(1, 1, other)], prePrepared: [(1, other, 1)]),
                   vc(2, prepared: [entry(1, 1, committed)], prePrepared: [(1, committed, 1)]),
                   vc(3, prepared: [entry(1, 1, other)], prePrepared: [(1, other, 1)])]
        for mask in 1 ..< 16 {
            let subset = all.indices.filter { mask & (1 << $0) != 0 }.map { all[$0] }
            for s in [subset, subset.reversed()] where s.count >= 3 {
                let taken = decide(s)?.entries.first?.digest
                #expect(taken == nil || taken == digest(committed), "V = \(s.map(\.replica.rawValue))")
            }
        }
        #expect(decide([all[0], all[2], all[3], all[1]])?.entries.first?.digest == nil)
        #expect(decide([all[0], all[2], vc(3), all[1]])?.entries.first?.digest == digest(committed))
    }

    @Test("numbers neither rule decides leave the decision open until more VIEW-CHANGEs arrive")
    func undecidedWaits() {
        let real = [put(sequence: 1)], other = [put(client: 9, sequence: 1)]
        // 0 and 1 prepared `real` in view 0; 2 says `other`; no 2f+1 agree, and none is empty.
        let three = [vc(0, prepared: [entry(0, 1, real)], prePrepared: [(1, real, 0)]),
                     vc(1, prepared: [entry(0, 1, real)], prePrepared: [(1, real, 0)]),
                     vc(2, prepared: [entry(0, 1, other)], prePrepared: [(1, other, 0)])]
        #expect(decide(three) == nil)
        let four = decide(three + [vc(3, prePrepared: [(1, real, 0)])])
        #expect(four?.entries.map(\.digest) == [digest(real)])
    }

    @Test("the checkpoint is the highest that f+1 hold while 2f+1 are at or below it")
    func checkpointRule() {
        // 0 and 1 took 256 themselves, 2 holds it stable: f+1 hold it and everyone is at or below it.
        let s = [vc(0, stable: 128, checkpoints: [256]), vc(1, stable: 128, checkpoints: [256]), vc(2, stable: 256), vc(3, stable: 128)]
        #expect(decide(s)?.stableSequence == 256)
        // One replica alone claims 384: not f+1.
        let lone = [vc(0, stable: 128, checkpoints: [384]), vc(1, stable: 128), vc(2, stable: 128)]
        #expect(decide(lone)?.stableSequence == 128)
        // One is stable at 256, two are at 0 and took nothing since: 256 has one holder, and only two
        // are at or below 0. Undecided until another VIEW-CHANGE arrives.
        #expect(decide([vc(0, stable: 256), vc(1), vc(2)]) == nil)
        #expect(decide([vc(0, stable: 256), vc(1), vc(2), vc(3)])?.stableSequence == 0)
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
                vc.authenticator = others[k].keys.authenticate(vc.block, .signed, work: &w)
                record(backup.deliver(.viewChange(vc), from: vc.replica.index))
            }
        }
        #expect(timeouts.count == 3)
        #expect(timeouts[1].nanoseconds == 2 * timeouts[0].nanoseconds)
        #expect(timeouts[2].nanoseconds == 2 * timeouts[1].nanoseconds)
    }
}
