import ConsensusCore
import LockstepTesting
import Testing
@testable import MultiPaxos

@Suite("Multi-Paxos proposer rules")
struct ProposerRuleTests {
    /// Replica 0 of five, which has heard of round 3, campaigns (with round 6) and holds `pending` requests.
    func candidate(pending: [ClientRequest] = []) -> MultiPaxos.Replica {
        let r = makeReplica(id: 0, n: 5)
        r.deliver(.heartbeat(ballot: ballot(3, 2), chosenUpTo: 0), from: 2, at: ms(1))
        r.campaignNow(at: ms(1000))
        #expect(r.role == .candidate)
        #expect(r.ballot == ballot(6, 0))
        for p in pending { r.request(p) }
        return r
    }

    @Test("a new leader re-proposes the highest-ballot accepted value it learns in phase 1 rather than its own")
    func reproposesHighestBallotValue() {
        let mine = put(client: 9, sequence: 1, key: 9)
        let older = put(client: 1, sequence: 1, key: 1)
        let newer = put(client: 2, sequence: 1, key: 2)
        let leader = candidate(pending: [mine])
        leader.deliver(.promise(ballot: leader.ballot, chosenUpTo: 0, accepted: [
            MultiPaxos.PromiseEntry(slot: 0, ballot: ballot(2, 1), chosen: false, value: .one(older)),
        ]), from: 1)
        let out = leader.deliver(.promise(ballot: leader.ballot, chosenUpTo: 0, accepted: [
            MultiPaxos.PromiseEntry(slot: 0, ballot: ballot(3, 2), chosen: false, value: .one(newer)),
        ]), from: 2)
        #expect(leader.isLeader)
        #expect(out.becameLeader == [6])
        let accepts = out.accepts
        #expect(accepts.count == 2)
        #expect(accepts.first?.slot == 0)
        #expect(accepts.first?.value == .one(newer), "slot 0 must carry the value accepted under the highest ballot")
        #expect(accepts.last?.slot == 1)
        #expect(accepts.last?.value == .one(mine), "the leader's own request waits for the next free slot")
        #expect(leader.accepted(at: 0)?.ballot == leader.ballot)
    }

    /// A candidate whose phase 1 finds `a` accepted at slot 0 (from replica 1) and `c` at slot 3 (from
    /// replica 2), so slots 1 and 2 are holes; returns the leader and the second promise's outbox.
    func leaderWithHoles(_ a: ClientRequest, _ c: ClientRequest) -> (MultiPaxos.Replica, Outbox) {
        let leader = candidate()
        leader.deliver(.promise(ballot: leader.ballot, chosenUpTo: 0, accepted: [
            MultiPaxos.PromiseEntry(slot: 0, ballot: ballot(2, 1), chosen: false, value: .one(a)),
        ]), from: 1)
        let out = leader.deliver(.promise(ballot: leader.ballot, chosenUpTo: 0, accepted: [
            MultiPaxos.PromiseEntry(slot: 3, ballot: ballot(3, 2), chosen: false, value: .one(c)),
        ]), from: 2)
        return (leader, out)
    }

    @Test("a new leader fills the holes phase 1 finds with no-ops")
    func fillsHolesWithNoops() {
        let a = put(client: 1, sequence: 1, key: 1)
        let c = put(client: 3, sequence: 1, key: 3)
        let (leader, out) = leaderWithHoles(a, c)
        #expect(leader.isLeader)
        let bySlot = Dictionary(uniqueKeysWithValues: out.accepts.map { ($0.slot, $0.value) })
        #expect(bySlot.count == 4)
        #expect(bySlot[0] == .one(a))
        #expect(bySlot[1] == .noop)
        #expect(bySlot[2] == .noop)
        #expect(bySlot[3] == .one(c))
    }

    @Test("a chosen no-op takes its position and executes nothing, reported as executed like Raft's no-op and PBFT's null request")
    func chosenNoopOnlyAdvancesTheApplyPoint() {
        let a = put(client: 1, sequence: 1, key: 1)
        let c = put(client: 3, sequence: 1, key: 3)
        let (leader, _) = leaderWithHoles(a, c)
        #expect(leader.isLeader)
        var effects: [Outbox.Effect] = []
        for slot in UInt64(0) ... 3 {
            for voter in [1, 2] { effects += leader.deliver(.accepted(ballot: leader.ballot, slot: slot), from: voter).effects }
        }
        let applied = effects.compactMap { effect -> (UInt64, ClientRequest, Bool)? in
            if case .applied(let p, let r, let e) = effect { return (p, r, e) } else { return nil }
        }
        #expect(applied.map(\.0) == [0, 1, 2, 3])
        #expect(applied.map(\.1) == [a, MultiPaxos.noopRequest, MultiPaxos.noopRequest, c])
        #expect(applied.map(\.2) == [true, true, true, true], "a no-op is reported executed, as in Raft and PBFT")
        #expect(leader.firstUnchosenSlot == 4)
        #expect(leader.stateMachine.executedCount == 2, "the two no-ops execute nothing")
        #expect(!effects.contains { if case .reply = $0 { return true } else { return false } }, "nobody waits on a no-op")
    }

    @Test("a new leader takes a slot a promise reports chosen as final")
    func takesReportedChosenSlot() {
        let a = put(client: 1, sequence: 1, key: 1)
        let leader = candidate()
        leader.deliver(.promise(ballot: leader.ballot, chosenUpTo: 0, accepted: [
            MultiPaxos.PromiseEntry(slot: 0, ballot: ballot(1, 0), chosen: true, value: .one(a)),
        ]), from: 1)
        #expect(leader.chosenValue(at: 0) == .one(a))
        #expect(leader.firstUnchosenSlot == 1)
    }

    @Test("a candidate behind a promise's chosen index fetches the chosen slots before it leads")
    func catchesUpBeforeLeading() {
        let a = put(client: 1, sequence: 1, key: 1)
        let b = put(client: 1, sequence: 2, key: 1)
        let leader = candidate()
        leader.deliver(.promise(ballot: leader.ballot, chosenUpTo: 2, accepted: []), from: 1)
        let quorum = leader.deliver(.promise(ballot: leader.ballot, chosenUpTo: 0, accepted: []), from: 2)
        #expect(leader.role == .candidate)
        #expect(quorum.messages.contains { $0.to == NodeID(1) && $0.message == .catchUpRequest(fromSlot: 0) })
        let out = leader.deliver(.catchUp(firstSlot: 0, values: [.one(a), .one(b)], chosenUpTo: 2), from: 1)
        #expect(leader.isLeader)
        #expect(leader.firstUnchosenSlot == 2)
        #expect(out.applied.map(\.position) == [0, 1])
    }

    @Test("a slot is chosen only when a majority accepted it under the same ballot")
    func chosenAtMajoritySameBallot() {
        let leader = makeReplica(id: 0, n: 5)
        leader.electLeader(voters: [1, 2])
        #expect(leader.isLeader)
        let request = put(sequence: 1)
        leader.request(request)
        leader.deliver(.accepted(ballot: leader.ballot, slot: 0), from: 1)
        leader.deliver(.accepted(ballot: leader.ballot, slot: 0), from: 1)  // a duplicate counts once
        leader.deliver(.accepted(ballot: ballot(leader.ballot.round + 1, 3), slot: 0), from: 3)  // another ballot counts not at all
        #expect(leader.chosenValue(at: 0) == nil)
        let out = leader.deliver(.accepted(ballot: leader.ballot, slot: 0), from: 2)
        #expect(leader.chosenValue(at: 0) == .one(request))
        #expect(out.replies.count == 1)
        #expect(out.replies.first?.outcome == .executed(.value(nil)))
    }

    @Test("a slot is never applied before all lower slots")
    func appliesInSlotOrder() {
        // Leader side: slot 1 reaches a majority before slot 0.
        let leader = makeReplica(id: 0, n: 3)
        leader.electLeader(voters: [1])
        let first = put(client: 1, sequence: 1), second = put(client: 2, sequence: 1)
        leader.request(first)
        leader.request(second)
        let early = leader.deliver(.accepted(ballot: leader.ballot, slot: 1), from: 1)
        #expect(early.applied.isEmpty)
        #expect(early.replies.isEmpty)
        #expect(leader.firstUnchosenSlot == 0)
        let late = leader.deliver(.accepted(ballot: leader.ballot, slot: 0), from: 2)
        #expect(late.applied.map(\.position) == [0, 1])
        #expect(late.applied.map(\.request) == [first, second])

        // Follower side: it learns slot 1 is chosen before it holds slot 0.
        let follower = makeReplica(id: 1, n: 3)
        let b = ballot(1, 0)
        let out1 = follower.deliver(.accept(ballot: b, slot: 1, chosenUpTo: 2, value: .one(second)), from: 0)
        #expect(out1.applied.isEmpty)
        let out0 = follower.deliver(.accept(ballot: b, slot: 0, chosenUpTo: 2, value: .one(first)), from: 0)
        #expect(out0.applied.map(\.position) == [0, 1])
        #expect(out0.applied.map(\.request) == [first, second])
    }

    @Test("a proposer preempted by a higher ballot steps down and backs off")
    func preemptedProposerBacksOff() {
        let leader = makeReplica(id: 0, n: 3, settings: MultiPaxos.Settings(maxInflight: 1, initialProposers: []))
        leader.electLeader(voters: [1])
        let mine = leader.ballot
        leader.request(put(client: 1, sequence: 1))  // in flight in slot 0
        leader.request(put(client: 2, sequence: 1))  // waits for the window
        let out = leader.deliver(.nack(promised: ballot(8, 1), rejected: mine), from: 1, at: ms(1000))
        #expect(leader.role == .follower)
        #expect(leader.leaderHint == NodeID(1))
        // It does not campaign again before its election timeout (and back-off) have passed.
        let early = leader.fire(MultiPaxos.Replica.electionTimer, at: ms(1100))
        #expect(leader.role == .follower)
        #expect(!early.messages.contains { if case .prepare = $0.message { return true } else { return false } })
        let late = leader.fire(MultiPaxos.Replica.electionTimer, at: ms(2000))
        #expect(leader.role == .candidate)
        #expect(leader.ballot > ballot(8, 1))
        #expect(late.messages.contains { if case .prepare = $0.message { return true } else { return false } })
        // The request it held back was redirected to the preempting proposer.
        #expect(out.replies == [ClientReply(client: ClientID(2), sequence: 1, replica: NodeID(0), outcome: .redirect(hint: NodeID(1)))])
        // A nack for a ballot it no longer uses is ignored.
        leader.deliver(.nack(promised: ballot(9, 2), rejected: mine), from: 2, at: ms(2001))
        #expect(leader.role == .candidate)
    }

    @Test("ballots are unique per proposer and totally ordered")
    func ballotsUniquePerProposer() {
        for n in [1, 3, 5, 7] {
            var owner: [UInt64: Int] = [:]
            for id in 0 ..< n {
                var round: UInt64 = 0
                for _ in 0 ..< 20 {
                    round = Ballot.nextRound(after: round + UInt64(id % 2), for: NodeID(id), replicaCount: n)
                    #expect((round - 1) % UInt64(n) == UInt64(id))
                    #expect(owner[round] == nil || owner[round] == id)
                    owner[round] = id
                }
            }
        }
        #expect(ballot(2, 0) > ballot(1, 4))
        #expect(ballot(2, 1) > ballot(2, 0))
        #expect(Ballot.zero < ballot(1, 0))
    }
}
