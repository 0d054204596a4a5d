import ConsensusCore
import LockstepTesting
import Testing
@testable import PBFT

/// `checkInvariants()` traps, which a test cannot watch; `invariantViolation()` is what it asserts on.
/// Each test corrupts one piece of state the way a bug would and expects the check to name it.
@Suite("PBFT invariants")
struct InvariantTests {
    /// The slots are checked a few per call, going round: one full turn of the ring.
    func violationWithinOneTurn(_ r: PBFT.Replica) -> String? {
        for _ in 0 ... r.slots.count / PBFT.Replica.invariantSampleSlots {
            if let v = r.invariantViolation() { return v }
        }
        return nil
    }

    @Test("replicas that agreed on and executed a request break no invariant")
    func healthyClusterPasses() {
        let c = lockstepCluster()
        c.order(put(sequence: 1))
        c.deliverAll()
        for r in c.replicas { #expect(violationWithinOneTurn(r) == nil) }
    }

    @Test("a prepared certificate that does not match its pre-prepare is caught")
    func certificateMismatch() {
        let c = lockstepCluster()
        c.order(put(sequence: 1))
        c.deliverAll()
        let r = c.replicas[1]
        let i = r.slotIndex(1)
        #expect(r.slots[i].prepared)
        r.slots[i].certificateDigest = .zero
        let violation = violationWithinOneTurn(r)
        #expect(violation?.hasPrefix("pbft replica 1 (view 0, installed 0, h 0, H 256, executed 1") == true)
        #expect(violation?.hasSuffix("1 prepared in view 0 but its certificate (view 0) is not its pre-prepare") == true, "\(violation ?? "nil")")
    }

    @Test("a view that goes back is caught")
    func viewGoesBack() {
        let r = makeReplica(id: 1)
        r.view = 2
        r.installedView = 2
        #expect(r.invariantViolation() == nil)
        r.view = 1
        r.installedView = 1
        #expect(r.invariantViolation()?.hasSuffix("view went back from 2") == true)
    }

    @Test("execution behind the stable checkpoint with no fetch under way is caught")
    func behindWithoutFetch() {
        let r = makeReplica(id: 1)
        r.lowWaterMark = 128
        #expect(r.invariantViolation()?.hasSuffix("behind the stable checkpoint with no fetch timer armed") == true)
    }

    @Test("a low water mark off the checkpoint interval is caught")
    func lowWaterMarkOffInterval() {
        let r = makeReplica(id: 1)
        r.lowWaterMark = 5
        r.lastExecuted = 5
        #expect(r.invariantViolation()?.hasSuffix("low water mark not a multiple of the checkpoint interval 128") == true)
    }
}
