import Checker
import ConsensusCore
import Workload

/// What a shell observed over one run, in the terms every shell shares: the counts by kind inside the
/// window, the client history, the window, leader changes inside it, and the safety checks' findings.
/// The harness turns it into a `RunResult` in one place, whichever shell ran.
public struct RunObservation: Sendable {
    /// Message kinds: the protocol's, then `request` and `reply`.
    public var kindNames: [String]
    public var counts: MessageCounts
    /// Every client operation of the run, window or not.
    public var records: [OperationRecord]
    public var window: RunWindow
    public var completedInWindow: Int
    public var leaderChanges: Int
    /// Safety invariants that failed (agreement, validity, at-most-once, convergence).
    public var violations: [String]
    /// Faults as they were injected, with when.
    public var faultLog: [String]
    /// Simulator events handled (0 for the real shells).
    public var eventsProcessed: Int
    /// Syncs the replicas' disks ran, and journal records those syncs covered (both 0 without `--sync fsync`).
    public var syncs = 0
    public var syncedRecords = 0

    public init(kindNames: [String], counts: MessageCounts, records: [OperationRecord], window: RunWindow, completedInWindow: Int,
                leaderChanges: Int, violations: [String], faultLog: [String], eventsProcessed: Int) {
        self.kindNames = kindNames
        self.counts = counts
        self.records = records
        self.window = window
        self.completedInWindow = completedInWindow
        self.leaderChanges = leaderChanges
        self.violations = violations
        self.faultLog = faultLog
        self.eventsProcessed = eventsProcessed
    }
}

/// A replica's state machine at the end of a run, for the convergence check.
public struct FinalReplicaState: Sendable {
    public var id: NodeID
    /// Up and honest: only such replicas must agree.
    public var isLiveAndHonest: Bool
    public var store: [Key: Value]
    public var executedCount: Int
    public init(id: NodeID, isLiveAndHonest: Bool, store: [Key: Value], executedCount: Int) {
        self.id = id
        self.isLiveAndHonest = isLiveAndHonest
        self.store = store
        self.executedCount = executedCount
    }
}

public enum Convergence {
    /// Once the run is quiet, every live honest replica holds the same KV state; the first that does not,
    /// described, or nil.
    public static func problem(_ replicas: [FinalReplicaState]) -> String? {
        let live = replicas.filter(\.isLiveAndHonest)
        guard let first = live.first else { return nil }
        for other in live.dropFirst() where other.store != first.store {
            return "convergence violated: replica \(other.id.rawValue) (\(other.executedCount) commands executed) and replica \(first.id.rawValue) (\(first.executedCount)) hold different KV states after the quiet period" + (other.executedCount != first.executedCount ? " (one is still catching up: a longer --quiet-period gives it time)" : "")
        }
        return nil
    }
}
