import ConsensusCore

// MARK: - One line per message, in the paper's words (Figure 2)

/// For scenario scripts and logs: `AppendEntries term=2 prev=5/1 entries=[6/2] commit=5`. Log
/// positions are written `index/term`; the sender and receiver are the shell's to add (`1→2 …`).
extension Raft.Message: CustomStringConvertible {
    public var description: String {
        switch self {
        case .requestVote(let m): return "RequestVote \(m.rendering)"
        case .requestVoteResponse(let m): return "RequestVoteResponse \(m.rendering)"
        case .preVote(let m): return "PreVote \(m.rendering)"
        case .preVoteResponse(let m): return "PreVoteResponse \(m.rendering)"
        case .appendEntries(let m):
            return "AppendEntries term=\(m.term) prev=\(m.prevLogIndex)/\(m.prevLogTerm) entries=\(m.renderedEntries) commit=\(m.leaderCommit)"
        case .appendEntriesResponse(let m):
            switch m.outcome {
            case .success(let matchIndex):
                return "AppendEntriesResponse term=\(m.term) match=\(matchIndex)"
            case .rejected(let prevLogIndex, let conflictTerm, let conflictIndex):
                return "AppendEntriesResponse term=\(m.term) rejected prev=\(prevLogIndex) conflict=\(conflictIndex)/\(conflictTerm)"
            }
        case .installSnapshot(let m):
            return "InstallSnapshot term=\(m.term) last=\(m.lastIncludedIndex)/\(m.lastIncludedTerm) executed=\(m.state.executedCount)"
        }
    }
}

extension Raft.VoteRequest {
    /// `term=2 last=5/1`: the term asked for and the candidate's last log index/term (§5.4.1).
    var rendering: String { "term=\(term) last=\(lastLogIndex)/\(lastLogTerm)" }
}

extension Raft.VoteResponse {
    var rendering: String { "term=\(term) \(granted ? "granted" : "refused")" }
}

extension Raft.AppendEntries {
    /// `[6/2 7/2]`: each entry's index and term; `[]` for a heartbeat.
    var renderedEntries: String {
        var parts: [String] = []
        for k in 0 ..< entries.count { parts.append("\(prevLogIndex + UInt64(k) + 1)/\(entries[k].term)") }
        return "[" + parts.joined(separator: " ") + "]"
    }
}
