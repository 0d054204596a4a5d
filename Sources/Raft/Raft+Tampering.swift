import ConsensusCore

// What a Byzantine Raft server sends (the shell's `equivocate` behaviour; ConsensusCore's
// TamperableMessage). Raft tolerates crash faults only, so each of these can break it, and the
// checkers say so: the server's own code stays honest, its shell rewrites what leaves it.

extension Raft.Message {
    /// - A leader's AppendEntries carries other commands at the same indices (a lying leader: the
    ///   followers given this copy apply what the others never saw).
    /// - A refused vote or pre-vote is granted (a voter that votes for two candidates in one term).
    /// - A rejected AppendEntries is acknowledged as matching (a follower that acknowledges entries it
    ///   did not store, so the leader counts it towards a commit).
    /// - An InstallSnapshot carries a falsified state.
    public func equivocated(variant: UInt64, earlier: Raft.Message?, cluster: ClusterConfig) -> Raft.Message? {
        switch self {
        case .appendEntries(var m):
            switch m.entries {
            case .none: return nil
            case .one(let e): m.entries = .one(Raft.Entry(term: e.term, request: e.request.conflicting(variant: variant)))
            case .many(let es): m.entries = .many(es.map { Raft.Entry(term: $0.term, request: $0.request.conflicting(variant: variant)) })
            }
            return .appendEntries(m)
        case .requestVoteResponse(var m):
            guard !m.granted else { return nil }
            m.granted = true
            return .requestVoteResponse(m)
        case .preVoteResponse(var m):
            guard !m.granted else { return nil }
            m.granted = true
            return .preVoteResponse(m)
        case .appendEntriesResponse(var m):
            guard case .rejected(let prevLogIndex, _, _) = m.outcome else { return nil }
            m.outcome = .success(matchIndex: prevLogIndex)
            return .appendEntriesResponse(m)
        case .installSnapshot(var m):
            m.state = m.state.falsified()
            return .installSnapshot(m)
        case .requestVote, .preVote:
            return nil
        }
    }

    /// A leader that forges: every AppendEntries carries, for every follower, requests with the
    /// clients' sessions and sequence numbers but writes no client asked for (Raft checks no client
    /// authenticator, so the followers store them; the leader itself applies the real ones).
    public func forged(cluster: ClusterConfig) -> Raft.Message? {
        guard case .appendEntries(var m) = self else { return nil }
        switch m.entries {
        case .none: return nil
        case .one(let e): m.entries = .one(Raft.Entry(term: e.term, request: e.request.conflicting(variant: 0)))
        case .many(let es): m.entries = .many(es.map { Raft.Entry(term: $0.term, request: $0.request.conflicting(variant: 0)) })
        }
        return .appendEntries(m)
    }

    /// A lagging follower catches up on the leader's snapshot (§7), and on its AppendEntries of entries
    /// already committed: a lying leader sends a falsified state in the one, and other commands in
    /// exactly the entries at or below its commit index in the other; the follower takes both as
    /// committed.
    public func withWrongState(to receiver: Int32, cluster: ClusterConfig) -> Raft.Message? {
        if case .installSnapshot(var m) = self {
            m.state = m.state.falsified()
            return .installSnapshot(m)
        }
        guard case .appendEntries(var m) = self, m.prevLogIndex + 1 <= m.leaderCommit else { return nil }
        let first = m.prevLogIndex + 1, commit = m.leaderCommit
        func altered(_ e: Raft.Entry, at index: UInt64) -> Raft.Entry {
            index <= commit ? Raft.Entry(term: e.term, request: e.request.conflicting(variant: 0)) : e
        }
        switch m.entries {
        case .none: return nil
        case .one(let e): m.entries = .one(altered(e, at: first))
        case .many(let es): m.entries = .many(es.enumerated().map { altered($1, at: first + UInt64($0)) })
        }
        return .appendEntries(m)
    }
}
