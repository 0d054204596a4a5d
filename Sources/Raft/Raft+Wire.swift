import ConsensusCore

// The wire form of Raft's messages: u8 kind, then the fields in declaration order, little-endian.
// `encodedSize` is computed from the fields alone and must equal what `encode` writes (tests check it).

extension Raft.Entry {
    /// u64 term · client request.
    @inlinable var encodedSize: Int { 8 + request.encodedSize }
    @inlinable func encode(into w: inout WireWriter) {
        w.write(term)
        request.encode(into: &w)
    }
    @inlinable static func decode(from r: inout WireReader) throws(WireError) -> Raft.Entry {
        Raft.Entry(term: try r.read(), request: try ClientRequest.decode(from: &r))
    }
    /// The fewest bytes an entry can take (term, client, sequence, a one-byte command).
    @usableFromInline static var minimumEncodedSize: Int { 8 + 4 + 8 + 1 }
}

extension Raft.VoteRequest {
    @usableFromInline static var encodedSize: Int { 8 + 8 + 8 }
    @inlinable func encode(into w: inout WireWriter) {
        w.write(term)
        w.write(lastLogIndex)
        w.write(lastLogTerm)
    }
    @inlinable static func decode(from r: inout WireReader) throws(WireError) -> Raft.VoteRequest {
        Raft.VoteRequest(term: try r.read(), lastLogIndex: try r.read(), lastLogTerm: try r.read())
    }
}

extension Raft.VoteResponse {
    @usableFromInline static var encodedSize: Int { 8 + 1 }
    @inlinable func encode(into w: inout WireWriter) {
        w.write(term)
        w.write(granted)
    }
    @inlinable static func decode(from r: inout WireReader) throws(WireError) -> Raft.VoteResponse {
        Raft.VoteResponse(term: try r.read(), granted: try r.readBool())
    }
}

extension Raft.AppendEntries {
    /// term · prevLogIndex · prevLogTerm · leaderCommit · u32 count · entries.
    @inlinable var encodedSize: Int {
        var size = 8 + 8 + 8 + 8 + 4
        switch entries {
        case .none: break
        case .one(let e): size += e.encodedSize
        case .many(let es): for e in es { size += e.encodedSize }
        }
        return size
    }
    @inlinable func encode(into w: inout WireWriter) {
        w.write(term)
        w.write(prevLogIndex)
        w.write(prevLogTerm)
        w.write(leaderCommit)
        w.write(UInt32(entries.count))
        switch entries {
        case .none: break
        case .one(let e): e.encode(into: &w)
        case .many(let es): for e in es { e.encode(into: &w) }
        }
    }
    @inlinable static func decode(from r: inout WireReader) throws(WireError) -> Raft.AppendEntries {
        let term: UInt64 = try r.read()
        let prevLogIndex: UInt64 = try r.read()
        let prevLogTerm: UInt64 = try r.read()
        let leaderCommit: UInt64 = try r.read()
        let count = try r.readCount(minimumElementSize: Raft.Entry.minimumEncodedSize)
        let entries: Raft.Entries
        switch count {
        case 0: entries = .none
        case 1: entries = .one(try Raft.Entry.decode(from: &r))
        default:
            var es: [Raft.Entry] = []
            es.reserveCapacity(count)
            for _ in 0 ..< count { es.append(try Raft.Entry.decode(from: &r)) }
            entries = .many(es)
        }
        if prevLogIndex > UInt64.max - UInt64(count) { throw .invalidField("prevLogIndex \(prevLogIndex) + \(count) entries overflows") }
        return Raft.AppendEntries(term: term, prevLogIndex: prevLogIndex, prevLogTerm: prevLogTerm,
                                  entries: entries, leaderCommit: leaderCommit)
    }
}

extension Raft.AppendEntriesResponse {
    /// term · u8 outcome · matchIndex, or prevLogIndex · conflictTerm · conflictIndex.
    @inlinable var encodedSize: Int {
        switch outcome {
        case .success: return 8 + 1 + 8
        case .rejected: return 8 + 1 + 8 + 8 + 8
        }
    }
    @inlinable func encode(into w: inout WireWriter) {
        w.write(term)
        switch outcome {
        case .success(let matchIndex):
            w.write(UInt8(0))
            w.write(matchIndex)
        case .rejected(let prevLogIndex, let conflictTerm, let conflictIndex):
            w.write(UInt8(1))
            w.write(prevLogIndex)
            w.write(conflictTerm)
            w.write(conflictIndex)
        }
    }
    @inlinable static func decode(from r: inout WireReader) throws(WireError) -> Raft.AppendEntriesResponse {
        let term: UInt64 = try r.read()
        switch try r.readByte() {
        case 0:
            return Raft.AppendEntriesResponse(term: term, outcome: .success(matchIndex: try r.read()))
        case 1:
            return Raft.AppendEntriesResponse(term: term, outcome: .rejected(
                prevLogIndex: try r.read(), conflictTerm: try r.read(), conflictIndex: try r.read()))
        case let t:
            throw .invalidField("AppendEntriesResponse outcome \(t)")
        }
    }
}

extension Raft.Message: TamperableMessage {
    /// The `type` column of messages.csv, indexed by `kind`.
    public static let kindNames = [
        "RequestVote", "RequestVoteResponse", "PreVote", "PreVoteResponse", "AppendEntries", "AppendEntriesResponse",
        "InstallSnapshot",
    ]

    @inlinable public var kind: Int {
        switch self {
        case .requestVote: return 0
        case .requestVoteResponse: return 1
        case .preVote: return 2
        case .preVoteResponse: return 3
        case .appendEntries: return 4
        case .appendEntriesResponse: return 5
        case .installSnapshot: return 6
        }
    }

    @inlinable public var encodedSize: Int {
        switch self {
        case .requestVote, .preVote: return 1 + Raft.VoteRequest.encodedSize
        case .requestVoteResponse, .preVoteResponse: return 1 + Raft.VoteResponse.encodedSize
        case .appendEntries(let m): return 1 + m.encodedSize
        case .appendEntriesResponse(let m): return 1 + m.encodedSize
        case .installSnapshot(let m): return 1 + 8 + 8 + 8 + m.state.encodedSize
        }
    }

    @inlinable public func encode(into w: inout WireWriter) {
        w.write(UInt8(kind))
        switch self {
        case .requestVote(let m), .preVote(let m): m.encode(into: &w)
        case .requestVoteResponse(let m), .preVoteResponse(let m): m.encode(into: &w)
        case .appendEntries(let m): m.encode(into: &w)
        case .appendEntriesResponse(let m): m.encode(into: &w)
        case .installSnapshot(let m):
            w.write(m.term)
            w.write(m.lastIncludedIndex)
            w.write(m.lastIncludedTerm)
            m.state.encode(into: &w)
        }
    }

    @inlinable public static func decode(from r: inout WireReader) throws(WireError) -> Raft.Message {
        switch try r.readByte() {
        case 0: return .requestVote(try Raft.VoteRequest.decode(from: &r))
        case 1: return .requestVoteResponse(try Raft.VoteResponse.decode(from: &r))
        case 2: return .preVote(try Raft.VoteRequest.decode(from: &r))
        case 3: return .preVoteResponse(try Raft.VoteResponse.decode(from: &r))
        case 4: return .appendEntries(try Raft.AppendEntries.decode(from: &r))
        case 5: return .appendEntriesResponse(try Raft.AppendEntriesResponse.decode(from: &r))
        case 6:
            let term: UInt64 = try r.read()
            let index: UInt64 = try r.read()
            let lastTerm: UInt64 = try r.read()
            guard lastTerm <= term else { throw .invalidField("InstallSnapshot of term \(lastTerm) from a leader of term \(term)") }
            return .installSnapshot(Raft.InstallSnapshot(term: term, lastIncludedIndex: index, lastIncludedTerm: lastTerm,
                                                         state: try KVStateMachine.decode(from: &r)))
        case let k: throw .unknownMessageKind(k)
        }
    }
}
