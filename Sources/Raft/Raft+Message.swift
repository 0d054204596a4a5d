import ConsensusCore

extension Raft {
    /// RequestVote's arguments (§5.2, Figure 2), also PreVote's (thesis §9.6), where `term` is the term
    /// the sender would campaign in. The candidate is the frame's sender, so it is not repeated here.
    public struct VoteRequest: Hashable, Sendable {
        public var term: UInt64
        /// The candidate's last log index and term: voters refuse a less up-to-date log (§5.4.1).
        public var lastLogIndex: UInt64
        public var lastLogTerm: UInt64
        public init(term: UInt64, lastLogIndex: UInt64, lastLogTerm: UInt64) {
            self.term = term
            self.lastLogIndex = lastLogIndex
            self.lastLogTerm = lastLogTerm
        }
    }

    /// A vote or pre-vote, or a refusal. A granted pre-vote carries the term it was asked about;
    /// anything else carries the voter's current term, so the asker can update itself (§5.1).
    public struct VoteResponse: Hashable, Sendable {
        public var term: UInt64
        public var granted: Bool
        public init(term: UInt64, granted: Bool) {
            self.term = term
            self.granted = granted
        }
    }

    /// AppendEntries' arguments (§5.3, Figure 2); with no entries it is a heartbeat (§5.2). The leader
    /// is the frame's sender.
    public struct AppendEntries: Hashable, Sendable {
        public var term: UInt64
        /// Index and term of the entry just before `entries`: the consistency check.
        public var prevLogIndex: UInt64
        public var prevLogTerm: UInt64
        public var entries: Entries
        /// The leader's commit index (§5.3: followers learn what is committed from it).
        public var leaderCommit: UInt64
        public init(term: UInt64, prevLogIndex: UInt64, prevLogTerm: UInt64, entries: Entries, leaderCommit: UInt64) {
            self.term = term
            self.prevLogIndex = prevLogIndex
            self.prevLogTerm = prevLogTerm
            self.entries = entries
            self.leaderCommit = leaderCommit
        }
    }

    /// AppendEntries' result. A success names the index up to which the follower's log now matches
    /// the leader's; a rejection carries the conflict hint that lets the leader skip back past a whole
    /// conflicting term at once (§5.3, the optimization the paper sketches at the end of the section).
    public struct AppendEntriesResponse: Hashable, Sendable {
        public enum Outcome: Hashable, Sendable {
            /// The follower's log matches the leader's through `matchIndex`.
            case success(matchIndex: UInt64)
            /// The consistency check failed at `prevLogIndex` (the rejected message's). `conflictTerm`
            /// is the follower's term at that index (0 when its log is shorter) and `conflictIndex` the
            /// first index it holds of that term (its log length + 1 when shorter).
            case rejected(prevLogIndex: UInt64, conflictTerm: UInt64, conflictIndex: UInt64)
        }
        public var term: UInt64
        public var outcome: Outcome
        public init(term: UInt64, outcome: Outcome) {
            self.term = term
            self.outcome = outcome
        }
    }

    /// InstallSnapshot's arguments (§7, Figure 13), sent whole: the leader has compacted the entries a
    /// follower still needs, so it sends the state machine they built instead. The follower answers
    /// with an AppendEntriesResponse that matches through `lastIncludedIndex`.
    public struct InstallSnapshot: Hashable, Sendable {
        public var term: UInt64
        /// The snapshot replaces every entry through this index; `lastIncludedTerm` is that entry's term.
        public var lastIncludedIndex: UInt64
        public var lastIncludedTerm: UInt64
        /// The state machine after applying entries 1 … lastIncludedIndex.
        public var state: KVStateMachine
        public init(term: UInt64, lastIncludedIndex: UInt64, lastIncludedTerm: UInt64, state: KVStateMachine) {
            self.term = term
            self.lastIncludedIndex = lastIncludedIndex
            self.lastIncludedTerm = lastIncludedTerm
            self.state = state
        }
    }

    /// Every message Raft servers exchange: the paper's RPCs and their results, plus PreVote.
    public enum Message: Hashable, Sendable {
        case requestVote(VoteRequest)
        case requestVoteResponse(VoteResponse)
        case preVote(VoteRequest)
        case preVoteResponse(VoteResponse)
        case appendEntries(AppendEntries)
        case appendEntriesResponse(AppendEntriesResponse)
        case installSnapshot(InstallSnapshot)

        /// The term the message carries; term handling at the door compares it with the receiver's.
        @inlinable public var term: UInt64 {
            switch self {
            case .requestVote(let m), .preVote(let m): return m.term
            case .requestVoteResponse(let m), .preVoteResponse(let m): return m.term
            case .appendEntries(let m): return m.term
            case .appendEntriesResponse(let m): return m.term
            case .installSnapshot(let m): return m.term
            }
        }
    }
}
