import ConsensusCore
@testable import PBFT
import Testing

/// The normal-case rules of OSDI'99 §4.2, one per test, on replicas driven directly with forged
/// messages. The whole normal case, batching and relayed requests are scenarios in testdata/.
@Suite("PBFT normal case (§4.2)")
struct AgreementRuleTests {
    @Test("a backup rejects a second pre-prepare with another digest for the same (v, n)")
    func secondPrePrepareRejected() {
        let backup = makeReplica(id: 1)
        var primary = Forger(0)
        let first = [put(sequence: 1, tag: 10)]
        let second = [put(sequence: 1, tag: 99)]
        let accepted = backup.deliver(primary.prePrepare(sequence: 1, batch: first), from: 0)
        #expect(accepted.prepares.count == 1)
        #expect(accepted.prepares.first?.digest == digest(first))
        let refused = backup.deliver(primary.prePrepare(sequence: 1, batch: second), from: 0)
        #expect(refused.prepares.isEmpty)
        #expect(backup.acceptedDigest(1) == digest(first))
        // The same (v, n) in a later view is another matter; and another n in this view is accepted.
        #expect(backup.deliver(primary.prePrepare(sequence: 2, batch: second), from: 0).prepares.count == 1)
    }

    @Test("a backup accepts a pre-prepare only from the primary of its view, inside the water marks")
    func prePrepareAcceptanceConditions() {
        let backup = makeReplica(id: 1, settings: settings(checkpointInterval: 4))
        var notPrimary = Forger(2)
        var primary = Forger(0)
        let batch = [put(sequence: 1)]
        #expect(backup.deliver(notPrimary.prePrepare(sequence: 1, batch: batch), from: 2).prepares.isEmpty)
        // Window is (0, 8] with K = 4.
        #expect(backup.deliver(primary.prePrepare(sequence: 9, batch: batch), from: 0).prepares.isEmpty)
        #expect(backup.deliver(primary.prePrepare(sequence: 8, batch: batch), from: 0).prepares.count == 1)
    }

    @Test("a pre-prepare whose digest does not match its request is dropped and reported")
    func digestMismatchRejected() {
        let backup = makeReplica(id: 2)
        var primary = Forger(0)
        let out = backup.deliver(primary.prePrepare(sequence: 1, batch: [put(sequence: 1)], digest: digest([put(sequence: 2)])), from: 0)
        #expect(out.prepares.isEmpty)
        #expect(out.rejectedKinds == [PBFT.Message.Kind.prePrepare])
        #expect(backup.acceptedDigest(1) == nil)
    }

    @Test("prepared needs the pre-prepare and 2f matching prepares from distinct backups")
    func preparedNeedsPrePrepareAndTwoFPrepares() {
        // n = 7, f = 2: prepared needs 2f = 4 prepares (its own included).
        let n = 7
        let backup = makeReplica(id: 1, n: n)
        var forgers = (0 ..< n).map { Forger($0, n: n) }
        let batch = [put(sequence: 1, n: n)]
        let d = digest(batch)
        // Prepares that arrive before the pre-prepare wait for it.
        _ = backup.deliver(forgers[2].prepare(sequence: 1, digest: d), from: 2)
        _ = backup.deliver(forgers[3].prepare(sequence: 1, digest: d), from: 3)
        #expect(!backup.isPrepared(1))
        let afterPrePrepare = backup.deliver(forgers[0].prePrepare(sequence: 1, batch: batch), from: 0)
        #expect(afterPrePrepare.commits.isEmpty)  // own + 2 = 3 < 4
        #expect(!backup.isPrepared(1))
        // Neither a prepare from the primary, nor a mismatching one, nor a duplicate counts.
        #expect(backup.deliver(forgers[0].prepare(sequence: 1, digest: d), from: 0).commits.isEmpty)
        #expect(backup.deliver(forgers[4].prepare(sequence: 1, digest: digest([put(sequence: 9)])), from: 4).commits.isEmpty)
        #expect(backup.deliver(forgers[3].prepare(sequence: 1, digest: d), from: 3).commits.isEmpty)
        #expect(!backup.isPrepared(1))
        // The fourth distinct matching prepare makes it prepared: COMMIT goes out.
        let out = backup.deliver(forgers[5].prepare(sequence: 1, digest: d), from: 5)
        #expect(backup.isPrepared(1))
        #expect(out.commits.count == 1)
        #expect(out.commits.first?.digest == d)
    }

    @Test("committed needs 2f+1 matching commits, the replica's own included")
    func committedNeedsTwoFPlusOneCommits() {
        let n = 7
        let backup = makeReplica(id: 1, n: n)
        var forgers = (0 ..< n).map { Forger($0, n: n) }
        let batch = [put(sequence: 1, n: n)]
        let d = digest(batch)
        _ = backup.deliver(forgers[0].prePrepare(sequence: 1, batch: batch), from: 0)
        for j in 2 ... 4 { _ = backup.deliver(forgers[j].prepare(sequence: 1, digest: d), from: j) }
        #expect(backup.isPrepared(1))
        // Own commit + 3 = 4 < 2f+1 = 5; a mismatching commit does not count.
        for j in [0, 2, 3] { #expect(backup.deliver(forgers[j].commit(sequence: 1, digest: d), from: j).applied.isEmpty) }
        #expect(backup.deliver(forgers[4].commit(sequence: 1, digest: digest([put(sequence: 5)])), from: 4).applied.isEmpty)
        #expect(!backup.isCommitted(1))
        let out = backup.deliver(forgers[5].commit(sequence: 1, digest: d), from: 5)
        #expect(backup.isCommitted(1))
        #expect(out.applied.map(\.request) == batch)
        #expect(out.replies.count == 1)
    }

    @Test("commits that arrive before the replica is prepared count once it is")
    func earlyCommitsCount() {
        let backup = makeReplica(id: 1)
        var forgers = (0 ..< 4).map { Forger($0) }
        let batch = [put(sequence: 1)]
        let d = digest(batch)
        _ = backup.deliver(forgers[0].commit(sequence: 1, digest: d), from: 0)
        _ = backup.deliver(forgers[2].commit(sequence: 1, digest: d), from: 2)
        _ = backup.deliver(forgers[0].prePrepare(sequence: 1, batch: batch), from: 0)
        #expect(!backup.isCommitted(1))
        let out = backup.deliver(forgers[2].prepare(sequence: 1, digest: d), from: 2)
        #expect(backup.isCommitted(1))
        #expect(out.applied.count == 1)
    }

    @Test("a request is not executed before every lower sequence number has executed")
    func executionInSequenceOrder() {
        let backup = makeReplica(id: 1)
        var forgers = (0 ..< 4).map { Forger($0) }
        let first = [put(sequence: 1, key: 1)]
        let second = [put(client: 2, sequence: 1, key: 1)]
        func commitFully(_ sequence: UInt64, _ batch: [ClientRequest]) -> [Outbox] {
            let d = digest(batch)
            return [backup.deliver(forgers[0].prePrepare(sequence: sequence, batch: batch), from: 0),
                    backup.deliver(forgers[2].prepare(sequence: sequence, digest: d), from: 2),
                    backup.deliver(forgers[2].commit(sequence: sequence, digest: d), from: 2),
                    backup.deliver(forgers[3].commit(sequence: sequence, digest: d), from: 3)]
        }
        let outOfOrder = commitFully(2, second)
        #expect(backup.isCommitted(2))
        #expect(outOfOrder.allSatisfy { $0.applied.isEmpty })
        #expect(backup.lastExecuted == 0)
        let inOrder = commitFully(1, first)
        #expect(inOrder.flatMap(\.applied).map(\.position) == [1, 2])
        #expect(inOrder.flatMap(\.applied).map(\.request) == first + second)
        #expect(backup.lastExecuted == 2)
        #expect(backup.stateMachine.store[Key(1)]?.tag == 1)  // the second put (client 2, sequence 1) wrote last
    }
}
