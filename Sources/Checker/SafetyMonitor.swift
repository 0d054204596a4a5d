import ConsensusCore

/// Checks the safety invariants continuously, from what honest replicas report applying:
/// - agreement: no two replicas apply different requests at the same log position;
/// - validity: only requests a client actually sent are applied (no-ops aside);
/// - at-most-once: a replica executes each (client, sequence) at most once;
/// - election safety: at most one replica leads each epoch (Raft's term, Multi-Paxos's ballot round,
///   PBFT's view), from what honest replicas report becoming leader. Rounds and views each name one
///   replica, so only Raft can break it: two candidates win one term when a server forgets its vote.
/// - durability: no honest replica crashes holding a change it may have answered on but had not
///   persisted (a vote, a promise, an acceptance; `Replica.unpersistedAnswer`, asked by the simulator).
/// Convergence (identical KV state once quiet) is checked by the harness at the end of a run.
public struct SafetyMonitor: Sendable {
    public struct Violation: Sendable, Equatable, CustomStringConvertible {
        public enum Invariant: String, Sendable { case agreement, validity, atMostOnce = "at-most-once", convergence
            case electionSafety = "election-safety"
            /// A replica crashed holding a change it may have answered on but had not persisted.
            case durability
        }
        public var invariant: Invariant
        public var detail: String
        public var description: String { "\(invariant.rawValue) violated: \(detail)" }
    }

    /// The request first applied at each position (index 0 = position 0).
    var appliedAt: [ClientRequest?] = []
    /// Per replica, per client: the highest sequence it executed.
    private var executedUpTo: [[UInt64]]
    public internal(set) var violations: [Violation] = []
    /// Per epoch, the first replica that reported leading it.
    private var leaderOf: [UInt64: NodeID] = [:]
    /// Stop recording after this many; one is enough to fail a run.
    private let maximumViolations = 32

    public init(replicaCount: Int) {
        executedUpTo = Array(repeating: [], count: replicaCount)
    }

    public var isSafe: Bool { violations.isEmpty }

    /// One `applied` effect of an honest replica. `isSent` answers whether a client sent exactly this
    /// request (validity). The simulator calls it as effects happen; the TCP shells after the run, replica
    /// by replica, with each replica's effects in the order it reported them.
    public mutating func recordApplied(replica: NodeID, position: UInt64, request: ClientRequest, executed: Bool, isSent: Bool) {
        recordAppliedSlow(replica: replica, position: position, request: request, executed: executed, isSent: isSent)
    }

    mutating func recordAppliedSlow(replica: NodeID, position: UInt64, request: ClientRequest, executed: Bool, isSent: Bool) {
        let p = Int(position)
        if p >= appliedAt.count {
            appliedAt.append(contentsOf: repeatElement(nil, count: p - appliedAt.count + 1))
        }
        if let first = appliedAt[p] {
            if first != request {
                report(.agreement, "position \(position): replica \(replica.rawValue) applied \(describe(request)) where another replica applied \(describe(first))")
            }
        } else {
            appliedAt[p] = request
        }
        if case .noop = request.command { return }
        if !isSent {
            report(.validity, "replica \(replica.rawValue) applied \(describe(request)) at position \(position), which no client sent")
        }
        if executed {
            let c = request.client.index
            if c >= executedUpTo[replica.index].count {
                executedUpTo[replica.index].append(contentsOf: repeatElement(0, count: c - executedUpTo[replica.index].count + 1))
            }
            if request.sequence <= executedUpTo[replica.index][c] {
                report(.atMostOnce, "replica \(replica.rawValue) executed \(describe(request)) at position \(position) after already executing sequence \(executedUpTo[replica.index][c]) of that client")
            } else {
                executedUpTo[replica.index][c] = request.sequence
            }
        }
    }

    /// One `becameLeader` effect of an honest replica. A replica may report the same epoch twice (PBFT's
    /// primary on entering and on resuming its view); a second replica in the same epoch is a violation.
    public mutating func recordLeader(replica: NodeID, epoch: UInt64) {
        if let first = leaderOf[epoch] {
            if first != replica {
                report(.electionSafety, "epoch \(epoch): replica \(replica.rawValue) became leader where replica \(first.rawValue) already had")
            }
        } else {
            leaderOf[epoch] = replica
        }
    }

    /// A restarted replica rebuilds its state machine by applying its log again from the start:
    /// executing the same requests again is then not a second execution of theirs.
    public mutating func replicaRestarted(_ replica: NodeID) {
        executedUpTo[replica.index].removeAll(keepingCapacity: true)
    }

    public mutating func report(_ invariant: Violation.Invariant, _ detail: String) {
        if violations.count < maximumViolations { violations.append(Violation(invariant: invariant, detail: detail)) }
    }

    /// The requests applied so far, by position (for tests and the convergence check).
    public var appliedSequence: [ClientRequest?] { appliedAt }

    private func describe(_ r: ClientRequest) -> String { "request \(r.client.rawValue).\(r.sequence) \(r.command)" }
}
