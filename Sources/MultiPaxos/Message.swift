import ConsensusCore

extension MultiPaxos {
    /// Every message Multi-Paxos replicas exchange, with the papers' names. "Chosen up to" `c` always
    /// means: every slot below `c` is chosen (the sender's first unchosen slot).
    public enum Message: TamperableMessage, Hashable {
        /// Phase 1a (Paxos Made Simple §2.2; PMMC's `p1a`), once for every slot from `fromSlot` on.
        case prepare(ballot: Ballot, fromSlot: UInt64)
        /// Phase 1b: the acceptor promises `ballot` and reports what it accepted from
        /// `max(fromSlot, chosenUpTo)` on; slots below its `chosenUpTo` it knows chosen (the new leader
        /// fetches those with CatchUpRequest if it lacks them). Rare, so it may carry an array.
        case promise(ballot: Ballot, chosenUpTo: UInt64, accepted: [PromiseEntry])
        /// Phase 2a for one slot, carrying the leader's chosen-up-to index (the piggybacked commit).
        case accept(ballot: Ballot, slot: UInt64, chosenUpTo: UInt64, value: SlotValue)
        /// Phase 2b: the acceptor accepted `slot` under `ballot`.
        case accepted(ballot: Ballot, slot: UInt64)
        /// `Settings.commitMode == .explicit`: `slot` was chosen with the value proposed under `ballot`.
        case commit(ballot: Ballot, slot: UInt64)
        /// The receiver refused `rejected` (a Prepare, Accept or heartbeat) because it promised `promised`.
        case nack(promised: Ballot, rejected: Ballot)
        /// Leader → all: "I lead under `ballot`"; feeds the failure detectors and carries the chosen index.
        case heartbeat(ballot: Ballot, chosenUpTo: UInt64)
        /// Follower → leader of `ballot`, only when it sent the leader nothing since the previous heartbeat
        /// (so never under load): lets the leader check it still reaches a majority.
        case heartbeatAck(ballot: Ballot)
        /// A replica missing chosen slots asks for them, from `fromSlot` on.
        case catchUpRequest(fromSlot: UInt64)
        /// Chosen values of slots `firstSlot ..< firstSlot + values.count` (a chunk), and the sender's
        /// own chosen-up-to index, so the receiver knows whether to ask for more.
        case catchUp(firstSlot: UInt64, values: [SlotValue], chosenUpTo: UInt64)
        /// The answer to a CatchUpRequest for slots the sender compacted: its snapshot.
        case catchUpSnapshot(CatchUpSnapshot)

        public static let kindNames = [
            "Prepare", "Promise", "Accept", "Accepted", "Commit", "Nack", "Heartbeat", "HeartbeatAck", "CatchUpRequest", "CatchUp",
            "CatchUpSnapshot",
        ]

        @inlinable public var kind: Int {
            switch self {
            case .prepare: return 0
            case .promise: return 1
            case .accept: return 2
            case .accepted: return 3
            case .commit: return 4
            case .nack: return 5
            case .heartbeat: return 6
            case .heartbeatAck: return 7
            case .catchUpRequest: return 8
            case .catchUp: return 9
            case .catchUpSnapshot: return 10
            }
        }

        /// The ballot a message speaks for, if any (used to keep the highest round seen).
        var ballot: Ballot? {
            switch self {
            case .prepare(let b, _), .promise(let b, _, _), .accept(let b, _, _, _), .accepted(let b, _),
                 .commit(let b, _), .heartbeat(let b, _), .heartbeatAck(let b):
                return b
            case .nack(let promised, _): return promised
            case .catchUpRequest, .catchUp, .catchUpSnapshot: return nil
            }
        }
    }

    /// A snapshot shipped by catch-up (Paxos Made Live §5.5): every slot below `logStart` is chosen and
    /// `state` is the state machine after applying them, the next request taking `position`;
    /// `chosenUpTo` is the sender's own chosen-up-to index, so the receiver knows whether to ask on.
    public struct CatchUpSnapshot: Sendable, Hashable {
        public var logStart: UInt64
        public var position: UInt64
        public var state: KVStateMachine
        public var chosenUpTo: UInt64
    }
}
