import ConsensusCore

// The wire form of HotStuff's messages: u8 kind, then the fields in declaration order, little-endian.
// `encodedSize` is computed from the fields alone and must equal what `encode` writes (tests check it).
// A decoded block's hash is computed from what arrived, never read from the wire.

extension HotStuff.SignedVote {
    @usableFromInline static var encodedSize: Int { 4 + Signature.encodedSize }
}

extension HotStuff.QuorumCertificate {
    /// view · block hash · u32 count · (i32 signer · 64-byte signature)…
    @inlinable var encodedSize: Int { 8 + SHA256Hash.encodedSize + 4 + votes.count * HotStuff.SignedVote.encodedSize }

    func encode(into w: inout WireWriter) {
        w.write(view)
        block.encode(into: &w)
        w.write(UInt32(votes.count))
        for vote in votes {
            w.write(vote.replica.rawValue)
            w.write(bytes: vote.signature.bytes)
        }
    }

    static func decode(from r: inout WireReader) throws(WireError) -> HotStuff.QuorumCertificate {
        let view: UInt64 = try r.read()
        let block = try SHA256Hash.decode(from: &r)
        let count = try r.readCount(minimumElementSize: HotStuff.SignedVote.encodedSize)
        var votes: [HotStuff.SignedVote] = []
        votes.reserveCapacity(count)
        for _ in 0 ..< count {
            let replica = NodeID(Int(try r.read(Int32.self)))
            votes.append(HotStuff.SignedVote(replica: replica, signature: Signature(bytes: try r.readBytes(Signature.encodedSize))))
        }
        return HotStuff.QuorumCertificate(view: view, block: block, votes: votes)
    }
}

extension HotStuff.Block {
    /// view · height · QC · u32 count · requests.
    @inlinable var encodedSize: Int {
        var size = 8 + 8 + justify.encodedSize + 4
        for request in commands { size += request.encodedSize }
        return size
    }

    func encode(into w: inout WireWriter) {
        w.write(view)
        w.write(height)
        justify.encode(into: &w)
        w.write(UInt32(commands.count))
        for request in commands { request.encode(into: &w) }
    }

    static func decode(from r: inout WireReader) throws(WireError) -> HotStuff.Block {
        let view: UInt64 = try r.read()
        let height: UInt64 = try r.read()
        let justify = try HotStuff.QuorumCertificate.decode(from: &r)
        let count = try r.readCount(minimumElementSize: 13)
        var commands: [ClientRequest] = []
        commands.reserveCapacity(count)
        for _ in 0 ..< count { commands.append(try ClientRequest.decode(from: &r)) }
        guard height > 0, view > justify.view else {
            throw .invalidField("block of view \(view) at height \(height) on a QC of view \(justify.view)")
        }
        var scratch = WireWriter()
        return HotStuff.Block(view: view, height: height, justify: justify, commands: commands, scratch: &scratch)
    }
}

extension HotStuff.Message: TamperableMessage {
    /// The `type` column of messages.csv, indexed by `kind`.
    public static let kindNames = ["PROPOSAL", "VOTE", "NEW-VIEW", "FETCH", "BLOCKS", "STATE-REQUEST", "STATE-REPLY"]

    @inlinable public var kind: Int {
        switch self {
        case .proposal: return 0
        case .vote: return 1
        case .newView: return 2
        case .fetch: return 3
        case .blocks: return 4
        case .stateRequest: return 5
        case .stateReply: return 6
        }
    }

    @inlinable public var encodedSize: Int {
        switch self {
        case .proposal(let m): return 1 + m.block.encodedSize + 4 + Signature.encodedSize
        case .vote: return 1 + 8 + SHA256Hash.encodedSize + 4 + Signature.encodedSize
        case .newView(let m): return 1 + 8 + m.highQC.encodedSize + 4 + Signature.encodedSize + 1
        case .fetch: return 1 + SHA256Hash.encodedSize + 8
        case .blocks(let m):
            var size = 1 + 4 + 8 + m.certificate.encodedSize
            for b in m.blocks { size += b.encodedSize }
            return size
        case .stateRequest: return 1 + 8
        case .stateReply(let m): return 1 + m.block.encodedSize + m.state.encodedSize
        }
    }

    public func encode(into w: inout WireWriter) {
        w.write(UInt8(kind))
        switch self {
        case .proposal(let m):
            m.block.encode(into: &w)
            w.write(m.proposer.rawValue)
            w.write(bytes: m.signature.bytes)
        case .vote(let m):
            w.write(m.view)
            m.block.encode(into: &w)
            w.write(m.replica.rawValue)
            w.write(bytes: m.signature.bytes)
        case .newView(let m):
            w.write(m.view)
            m.highQC.encode(into: &w)
            w.write(m.replica.rawValue)
            w.write(bytes: m.signature.bytes)
            w.write(m.isAnswer)
        case .fetch(let m):
            m.block.encode(into: &w)
            w.write(m.above)
        case .blocks(let m):
            w.write(UInt32(m.blocks.count))
            for b in m.blocks { b.encode(into: &w) }
            w.write(m.checkpointHeight)
            m.certificate.encode(into: &w)
        case .stateRequest(let m):
            w.write(m.committedHeight)
        case .stateReply(let m):
            m.block.encode(into: &w)
            m.state.encode(into: &w)
        }
    }

    public static func decode(from r: inout WireReader) throws(WireError) -> HotStuff.Message {
        switch try r.readByte() {
        case 0:
            let block = try HotStuff.Block.decode(from: &r)
            let proposer = NodeID(Int(try r.read(Int32.self)))
            return .proposal(HotStuff.Proposal(block: block, proposer: proposer, signature: Signature(bytes: try r.readBytes(Signature.encodedSize))))
        case 1:
            let view: UInt64 = try r.read()
            let block = try SHA256Hash.decode(from: &r)
            let replica = NodeID(Int(try r.read(Int32.self)))
            return .vote(HotStuff.Vote(view: view, block: block, replica: replica,
                                       signature: Signature(bytes: try r.readBytes(Signature.encodedSize))))
        case 2:
            let view: UInt64 = try r.read()
            let qc = try HotStuff.QuorumCertificate.decode(from: &r)
            let replica = NodeID(Int(try r.read(Int32.self)))
            let signature = Signature(bytes: try r.readBytes(Signature.encodedSize))
            return .newView(HotStuff.NewView(view: view, highQC: qc, replica: replica, signature: signature, isAnswer: try r.readBool()))
        case 3:
            return .fetch(HotStuff.Fetch(block: try SHA256Hash.decode(from: &r), above: try r.read()))
        case 4:
            let count = try r.readCount(minimumElementSize: 8 + 8 + 8 + 32 + 4 + 4)
            var blocks: [HotStuff.Block] = []
            blocks.reserveCapacity(count)
            for _ in 0 ..< count { blocks.append(try HotStuff.Block.decode(from: &r)) }
            return .blocks(HotStuff.Blocks(blocks: blocks, checkpointHeight: try r.read(),
                                           certificate: try HotStuff.QuorumCertificate.decode(from: &r)))
        case 5:
            return .stateRequest(HotStuff.StateRequest(committedHeight: try r.read()))
        case 6:
            let block = try HotStuff.Block.decode(from: &r)
            return .stateReply(HotStuff.StateReply(block: block, state: try KVStateMachine.decode(from: &r)))
        case let k:
            throw .unknownMessageKind(k)
        }
    }
}
