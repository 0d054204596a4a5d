import ConsensusCore
import LockstepTesting
import Testing
@testable import MultiPaxos

@Suite("Multi-Paxos client handling and learning")
struct ClientRuleTests {
    @Test("a follower redirects a client to the leader it heard from")
    func followerRedirects() {
        let follower = makeReplica(id: 1)
        follower.deliver(.heartbeat(ballot: ballot(1, 0), chosenUpTo: 0), from: 0)
        let out = follower.request(put(sequence: 1))
        #expect(out.replies.count == 1)
        #expect(out.replies.first?.outcome == .redirect(hint: NodeID(0)))
        #expect(out.messages.isEmpty)
    }

    @Test("a leader answers a request it already executed from the session table instead of proposing it again")
    func leaderAnswersDuplicateFromSessionTable() {
        let leader = makeReplica(id: 0, n: 3)
        leader.electLeader(voters: [1])
        let request = put(sequence: 1)
        leader.request(request)
        leader.deliver(.accepted(ballot: leader.ballot, slot: 0), from: 1)
        #expect(leader.firstUnchosenSlot == 1)
        let retry = leader.request(request)
        #expect(retry.accepts.isEmpty)
        #expect(retry.replies == [ClientReply(client: request.client, sequence: 1, replica: NodeID(0), outcome: .executed(.value(nil)))])
    }

    @Test("a leader does not propose a retry it already has in flight")
    func leaderIgnoresInFlightRetry() {
        let leader = makeReplica(id: 0, n: 3)
        leader.electLeader(voters: [1])
        let request = put(sequence: 1)
        #expect(leader.request(request).accepts.count == 1)
        #expect(leader.request(request).accepts.isEmpty)
    }

    @Test("explicit commit mode sends a Commit to the n − 1 others per chosen slot")
    func explicitCommit() {
        let leader = makeReplica(id: 0, n: 5, settings: MultiPaxos.Settings(commitMode: .explicit, initialProposers: []))
        leader.electLeader(voters: [1, 2])
        leader.request(put(sequence: 1))
        leader.deliver(.accepted(ballot: leader.ballot, slot: 0), from: 1)
        let out = leader.deliver(.accepted(ballot: leader.ballot, slot: 0), from: 2)
        let commits = out.messages.filter { if case .commit = $0.message { return true } else { return false } }
        #expect(commits.count == 1)
        #expect(commits.first?.to == nil, "one broadcast: n − 1 messages on the wire")
        // A follower that holds the slot under that ballot learns and applies it.
        let follower = makeReplica(id: 3, n: 5)
        follower.deliver(.accept(ballot: leader.ballot, slot: 0, chosenUpTo: 0, value: .one(put(sequence: 1))), from: 0)
        let learned = follower.deliver(.commit(ballot: leader.ballot, slot: 0), from: 0)
        #expect(learned.applied.map(\.position) == [0])
    }

    @Test("a lagging follower asks for the chosen values it missed and applies them in order")
    func laggingFollowerCatchesUp() {
        let b = ballot(1, 0)
        let follower = makeReplica(id: 2)
        let values: [SlotValue] = (1 ... 3).map { .one(put(sequence: UInt64($0))) }
        // It only holds slot 2; the leader says slots 0..<3 are chosen.
        follower.deliver(.accept(ballot: b, slot: 2, chosenUpTo: 0, value: values[2]), from: 0, at: ms(1000))
        let first = follower.deliver(.heartbeat(ballot: b, chosenUpTo: 3), from: 0, at: ms(1050))
        #expect(first.messages.isEmpty, "a gap younger than a heartbeat may be Accepts still on the wire")
        let second = follower.deliver(.heartbeat(ballot: b, chosenUpTo: 3), from: 0, at: ms(1100))
        #expect(second.messages.map(\.message) == [.heartbeatAck(ballot: b), .catchUpRequest(fromSlot: 0)])
        #expect(second.messages.allSatisfy { $0.to == NodeID(0) })

        // The leader's side of it.
        let leader = makeReplica(id: 0)
        leader.electLeader(voters: [1])
        for (k, v) in values.enumerated() {
            guard case .one(let r) = v else { continue }
            leader.request(r)
            leader.deliver(.accepted(ballot: leader.ballot, slot: UInt64(k)), from: 1)
        }
        #expect(leader.firstUnchosenSlot == 3)
        let answer = leader.deliver(.catchUpRequest(fromSlot: 0), from: 2)
        #expect(answer.messages.map(\.message) == [.catchUp(firstSlot: 0, values: values, chosenUpTo: 3)])

        let caughtUp = follower.deliver(.catchUp(firstSlot: 0, values: values, chosenUpTo: 3), from: 0, at: ms(1101))
        #expect(caughtUp.applied.map(\.position) == [0, 1, 2])
        #expect(follower.firstUnchosenSlot == 3)
        #expect(follower.chosenSequence == values)
    }

    @Test("a batch is applied request by request at consecutive positions")
    func batchAppliedInOrder() {
        let leader = makeReplica(id: 0, n: 3, settings: MultiPaxos.Settings(maxBatch: 4, maxInflight: 1, initialProposers: []))
        leader.electLeader(voters: [1])
        let requests = (1 ... 5).map { put(client: Int($0), sequence: 1, key: $0) }
        for r in requests { leader.request(r) }
        // Slot 0 took the first request at once; the other four waited for the window and share slot 1.
        let out0 = leader.deliver(.accepted(ballot: leader.ballot, slot: 0), from: 1)
        #expect(out0.accepts.map(\.slot) == [1])
        #expect(out0.accepts.first?.value == .batch(Array(requests[1...])))
        let out1 = leader.deliver(.accepted(ballot: leader.ballot, slot: 1), from: 1)
        #expect(out1.applied.map(\.position) == [1, 2, 3, 4])
        #expect(out1.applied.map(\.request) == Array(requests[1...]))
        #expect((out0.replies + out1.replies).count == 5)
    }

    @Test("validation refuses a cluster smaller than 2f+1 in one line")
    func validation() {
        #expect(MultiPaxos.Replica.validate(ClusterConfig(replicaCount: 2, faultTolerance: 1)) == "multipaxos needs n ≥ 2f+1 replicas (got n=2, f=1)")
        #expect(MultiPaxos.Replica.validate(ClusterConfig(replicaCount: 3, faultTolerance: 1)) == nil)
        #expect(MultiPaxos.Replica.maximumFaults(replicaCount: 7) == 3)
        let contract = MultiPaxos.Replica.clientContract(cluster: ClusterConfig(replicaCount: 3, faultTolerance: 1), settings: MultiPaxos.Settings())
        #expect(contract == ClientContract(matchingRepliesNeeded: 1, retryToAll: false, initialTarget: NodeID(0)))
    }
}

@Suite("Multi-Paxos leader liveness")
struct LeaderLivenessTests {
    @Test("a leader that stops hearing from a majority steps down and redirects")
    func leaderWithoutQuorumStepsDown() {
        let leader = makeReplica(id: 0, n: 3)
        leader.electLeader(voters: [1], at: ms(1000))
        leader.fire(MultiPaxos.Replica.heartbeatTimer, at: ms(1050))
        #expect(leader.isLeader, "a new leader gets an election timeout of grace")
        leader.deliver(.heartbeatAck(ballot: leader.ballot), from: 1, at: ms(1100))
        leader.fire(MultiPaxos.Replica.heartbeatTimer, at: ms(1200))
        #expect(leader.isLeader, "heard from replica 1 within the minimum election timeout")
        leader.fire(MultiPaxos.Replica.heartbeatTimer, at: ms(1300))
        #expect(!leader.isLeader)
        #expect(leader.request(put(sequence: 1), at: ms(1301)).replies.first?.outcome == .redirect(hint: nil))
    }

    @Test("a follower acknowledges a heartbeat only when it sent the leader nothing since the last one")
    func heartbeatAckOnlyWhenIdle() {
        let follower = makeReplica(id: 1)
        let b = ballot(1, 0)
        #expect(follower.deliver(.heartbeat(ballot: b, chosenUpTo: 0), from: 0).messages.map(\.message) == [.heartbeatAck(ballot: b)])
        follower.deliver(.accept(ballot: b, slot: 0, chosenUpTo: 0, value: .one(put(sequence: 1))), from: 0)
        #expect(follower.deliver(.heartbeat(ballot: b, chosenUpTo: 1), from: 0).messages.isEmpty)
    }
}
