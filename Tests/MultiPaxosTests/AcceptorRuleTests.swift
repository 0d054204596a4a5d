import ConsensusCore
import LockstepTesting
import Testing
@testable import MultiPaxos

@Suite("Multi-Paxos acceptor rules")
struct AcceptorRuleTests {
    @Test("an acceptor rejects a prepare below its promise")
    func rejectsPrepareBelowPromise() {
        let acceptor = makeReplica(id: 1)
        let first = acceptor.deliver(.prepare(ballot: ballot(5, 2), fromSlot: 0), from: 2)
        #expect(first.messages.count == 1)
        guard case .promise(let b, _, _) = first.messages[0].message else {
            Issue.record("expected a promise, got \(first.messages)")
            return
        }
        #expect(b == ballot(5, 2))

        let stale = acceptor.deliver(.prepare(ballot: ballot(3, 0), fromSlot: 0), from: 0)
        #expect(stale.messages.count == 1)
        #expect(stale.nacks.count == 1)
        #expect(stale.nacks.first?.promised == ballot(5, 2))
        #expect(stale.nacks.first?.rejected == ballot(3, 0))
        #expect(stale.messages.first?.to == NodeID(0))
        #expect(acceptor.promised == ballot(5, 2))
        #expect(stale.persistIndex == nil, "a refused prepare changes nothing durable")
    }

    @Test("an acceptor rejects an accept below its promise")
    func rejectsAcceptBelowPromise() {
        let acceptor = makeReplica(id: 1)
        acceptor.deliver(.prepare(ballot: ballot(5, 2), fromSlot: 0), from: 2)
        let stale = acceptor.deliver(.accept(ballot: ballot(3, 0), slot: 0, chosenUpTo: 0, value: .one(put(sequence: 1))), from: 0)
        #expect(stale.nacks.count == 1)
        #expect(stale.nacks.first?.promised == ballot(5, 2))
        #expect(acceptor.accepted(at: 0) == nil)
        #expect(!stale.messages.contains { if case .accepted = $0.message { return true } else { return false } })

        // At or above the promise it accepts, and reports it under that ballot.
        let ok = acceptor.deliver(.accept(ballot: ballot(5, 2), slot: 0, chosenUpTo: 0, value: .one(put(sequence: 1))), from: 2)
        #expect(ok.messages.count == 1)
        if case .accepted(let b, let slot) = ok.messages[0].message {
            #expect(b == ballot(5, 2) && slot == 0)
        } else {
            Issue.record("expected accepted, got \(ok.messages)")
        }
        #expect(acceptor.accepted(at: 0)?.ballot == ballot(5, 2))
    }

    @Test("an acceptor persists a new promise or acceptance before it answers")
    func persistsBeforeAnswering() throws {
        let acceptor = makeReplica(id: 1)
        let promise = acceptor.deliver(.prepare(ballot: ballot(2, 0), fromSlot: 0), from: 0)
        let p1 = try #require(promise.persistIndex)
        #expect(p1 < (promise.firstMessageIndex ?? -1))
        let accept = acceptor.deliver(.accept(ballot: ballot(2, 0), slot: 0, chosenUpTo: 0, value: .one(put(sequence: 1))), from: 0)
        let p2 = try #require(accept.persistIndex)
        #expect(p2 < (accept.firstMessageIndex ?? -1))
        // The durable state holds exactly that.
        #expect(acceptor.durableState.promised == ballot(2, 0))
        #expect(acceptor.durableState.log.first?.value == .one(put(sequence: 1)))
    }

    @Test("a promise reports every accepted slot from the requested one, with its ballot")
    func promiseReportsAccepted() {
        let acceptor = makeReplica(id: 1)
        acceptor.deliver(.accept(ballot: ballot(1, 0), slot: 0, chosenUpTo: 0, value: .one(put(sequence: 1))), from: 0)
        acceptor.deliver(.accept(ballot: ballot(1, 0), slot: 2, chosenUpTo: 0, value: .one(put(sequence: 3))), from: 0)
        let out = acceptor.deliver(.prepare(ballot: ballot(2, 1), fromSlot: 1), from: 2)
        guard case .promise(_, let chosenUpTo, let entries) = out.messages.first?.message else {
            Issue.record("expected a promise, got \(out.messages)")
            return
        }
        #expect(chosenUpTo == 0)
        #expect(entries == [MultiPaxos.PromiseEntry(slot: 2, ballot: ballot(1, 0), chosen: false, value: .one(put(sequence: 3)))])
    }

    @Test("a restarted acceptor keeps its promise and what it accepted")
    func restartedAcceptorKeepsPromise() {
        let acceptor = makeReplica(id: 1)
        acceptor.deliver(.prepare(ballot: ballot(7, 1), fromSlot: 0), from: 2)
        acceptor.deliver(.accept(ballot: ballot(7, 1), slot: 0, chosenUpTo: 0, value: .one(put(sequence: 9))), from: 2)
        let saved = acceptor.durableState

        let restarted = makeReplica(id: 1, durable: saved, now: ms(5000), seed: 99)
        #expect(restarted.promised == ballot(7, 1))
        #expect(restarted.accepted(at: 0)?.ballot == ballot(7, 1))
        #expect(restarted.accepted(at: 0)?.value == .one(put(sequence: 9)))

        let lower = restarted.deliver(.prepare(ballot: ballot(4, 0), fromSlot: 0), from: 0, at: ms(5001))
        #expect(lower.nacks.first?.promised == ballot(7, 1))
        let lowerAccept = restarted.deliver(.accept(ballot: ballot(4, 0), slot: 0, chosenUpTo: 0, value: .one(put(sequence: 1))), from: 0, at: ms(5002))
        #expect(lowerAccept.nacks.count == 1)
        #expect(restarted.accepted(at: 0)?.value == .one(put(sequence: 9)))

        // And a proposer that restarts never reuses its ballot: its next one is above its promise.
        let campaign = restarted.campaignNow(at: ms(9000))
        #expect(restarted.ballot > ballot(7, 1))
        #expect(campaign.messages.contains { if case .prepare(let b, _) = $0.message { return b > ballot(7, 1) } else { return false } })
    }
}
