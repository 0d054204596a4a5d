import ConsensusCore
import Testing
@testable import HotStuff

/// The rules of chained HotStuff (PODC 2019, Algorithms 1, 3 and 4), one replica at a time, with
/// proposals and QCs signed by the real keys of the replicas that send them.
@Suite("HotStuff safety rules")
struct SafetyRuleTests {
    @Test("a replica votes at most once per view")
    func votesOncePerView() {
        var chain = ChainBuilder()
        let replica = makeReplica(id: 3)
        let first = chain.block(view: 1, on: .genesis, commands: [put(sequence: 1)])
        let second = chain.block(view: 1, on: .genesis, commands: [put(sequence: 2)])
        #expect(replica.deliver(first, by: chain).votes.count == 1)
        #expect(replica.deliver(second, by: chain).votes.isEmpty, "a second block of view 1 gets no vote")
        #expect(replica.lastVotedView == 1)
    }

    @Test("a replica ignores a proposal from a replica that does not lead its view, and rejects a bad signature")
    func onlyTheLeaderProposes() {
        var chain = ChainBuilder()
        let replica = makeReplica(id: 3)
        let b = chain.block(view: 1, on: .genesis)
        let signedByTwo = HotStuff.Proposal(block: b, proposer: NodeID(2), signature: HotStuff.sign(.proposal(b), as: NodeID(2), secret: 0))
        #expect(HotStuff.leader(of: 1, replicaCount: 4) == NodeID(0))
        var outbox = Outbox()
        replica.receive(.proposal(signedByTwo), from: NodeID(2), now: .zero, outbox: &outbox)
        #expect(outbox.votes.isEmpty, "replica 2 does not lead view 1")
        let (real, leader) = chain.proposal(b)
        outbox.clear()
        replica.receive(real.corrupted(), from: leader, now: .zero, outbox: &outbox)
        #expect(outbox.votes.isEmpty)
        #expect(outbox.effects.contains { if case .rejected = $0 { return true }; return false })
    }

    @Test("a replica never votes for a block that does not extend its locked block unless the proposal's QC is newer")
    func lockedBlockRule() {
        var chain = ChainBuilder()
        let replica = makeReplica(id: 3)
        let b1 = chain.block(view: 1, on: .genesis)
        let b2 = chain.block(view: 2, on: b1)
        let b3 = chain.block(view: 3, on: b2)  // carries QC(b2): the replica locks on b1
        replica.deliver(b1, by: chain)
        replica.deliver(b2, by: chain)
        replica.deliver(b3, by: chain)
        #expect(replica.lockedView == 1)

        // A fork from genesis in view 4 on the genesis QC (view 0, older than the lock): no vote.
        let fork = chain.block(view: 4, on: .genesis)
        #expect(replica.deliver(fork, by: chain).votes.isEmpty, "the fork neither extends b1 nor has a QC newer than the lock")

        // On the fork, a QC of view 4 (newer than the lock, view 1) unlocks: the replica votes.
        let onFork = chain.block(view: 5, on: fork)
        #expect(onFork.justify.view > replica.lockedView)
        #expect(replica.deliver(onFork, by: chain).votes.count == 1, "the liveness rule: a newer QC unlocks")
    }

    @Test("a block commits only at the head of a three-chain of consecutive views")
    func threeChainOfConsecutiveViews() {
        var chain = ChainBuilder()
        let gap = makeReplica(id: 3)
        let b1 = chain.block(view: 1, on: .genesis, commands: [put(sequence: 1)])
        let b2 = chain.block(view: 2, on: b1)
        let b3 = chain.block(view: 4, on: b2)  // view 3 failed
        let b4 = chain.block(view: 5, on: b3)  // QC(b3): b3 ← b2 ← b1 in views 4, 2, 1
        let b5 = chain.block(view: 6, on: b4)  // QC(b4): b4 ← b3 ← b2 in views 5, 4, 2
        for (b, p) in [(b1, HotStuff.Block.genesis), (b2, b1), (b3, b2), (b4, b3), (b5, b4)] { gap.deliver(b, by: chain) }
        #expect(gap.committedHeight == 0, "no three-chain of consecutive views yet")
        let b6 = chain.block(view: 7, on: b5)  // QC(b5): b5 ← b4 ← b3 in views 6, 5, 4
        let outbox = gap.deliver(b6, by: chain)
        #expect(gap.committedHeight == b3.height, "b3 heads a three-chain of views 4, 5, 6; it commits with its ancestors")
        #expect(outbox.appliedPositions == [1], "b1's command executes with it")

        let direct = makeReplica(id: 3)
        let c3 = chain.block(view: 3, on: b2)
        let c4 = chain.block(view: 4, on: c3)
        for (b, p) in [(b1, HotStuff.Block.genesis), (b2, b1), (c3, b2)] { direct.deliver(b, by: chain) }
        #expect(direct.committedHeight == 0, "two QCs lock, they do not commit")
        direct.deliver(c4, by: chain)
        #expect(direct.committedHeight == b1.height, "QC(c3) heads c3 ← b2 ← b1 in views 3, 2, 1: b1 commits")
    }

    @Test("the next leader forms a QC from 2f+1 votes and proposes on it")
    func quorumFormsAndLeaderProposes() {
        var chain = ChainBuilder()
        // View 31 is replica 0's last; view 32 is replica 1's first.
        let b1 = chain.block(view: 31, on: .genesis, commands: [put(sequence: 1)])
        let next = HotStuff.leader(of: 32, replicaCount: 4)
        #expect(next == NodeID(1))
        let leader = makeReplica(id: next.index)
        leader.deliver(b1, by: chain)  // its own vote
        var outbox = Outbox()
        var proposed: HotStuff.Block?
        for voter in 0 ..< 4 where voter != next.index {
            let v = HotStuff.Vote(view: 31, block: b1.hash, replica: NodeID(voter),
                                  signature: HotStuff.sign(.vote(view: 31, block: b1.hash), as: NodeID(voter), secret: 0))
            outbox.clear()
            leader.receive(.vote(v), from: NodeID(voter), now: .zero, outbox: &outbox)
            for case .broadcast(.proposal(let p)) in outbox.effects { proposed = p.block }
            if proposed != nil { break }
        }
        let block = try! #require(proposed)
        #expect(block.view == 32 && block.parent == b1.hash)
        #expect(block.justify.votes.count == HotStuff.quorum(cluster()), "the QC carries 2f+1 signatures")
    }

    @Test("a replica keeps at most a few NEW-VIEWs per replica for views ahead, the highest ones, however many one signs")
    func newViewsAheadAreBounded() {
        let replica = makeReplica(id: 3)
        let byzantine = NodeID(1)
        for v in stride(from: UInt64(10), through: 400, by: 10) {
            let signature = HotStuff.sign(.newView(view: v, highQC: .genesis), as: byzantine, secret: 0)
            var outbox = Outbox()
            replica.receive(.newView(HotStuff.NewView(view: v, highQC: .genesis, replica: byzantine, signature: signature)), from: byzantine,
                            now: .zero, outbox: &outbox)
            replica.checkInvariants()
        }
        let kept = replica.newViews.keys.filter { replica.newViews[$0]?[byzantine] != nil }.sorted()
        #expect(kept.count == HotStuff.pendingNewViewsPerReplica)
        #expect(kept == Array(stride(from: UInt64(330), through: 400, by: 10)), "the highest asks are the ones kept")
        #expect(replica.view < 10, "one replica's asks move no one")
    }
}
