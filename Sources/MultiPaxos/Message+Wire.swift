import ConsensusCore

// The binary encoding of Multi-Paxos messages: one kind byte, then the fields little-endian.
// A ballot is u64 round · i32 node; a slot value is u8 tag (0: one request, 1: a batch) then the
// request, or a u32 count and that many requests.

extension MultiPaxos.Ballot {
    static let encodedSize = 12

    func encode(into w: inout WireWriter) {
        w.write(round)
        w.write(node.rawValue)
    }

    static func decode(from r: inout WireReader) throws(WireError) -> MultiPaxos.Ballot {
        let round: UInt64 = try r.read()
        let node: Int32 = try r.read()
        guard round <= maximumRound else { throw .invalidField("ballot round \(round)") }
        guard node >= 0 else { throw .invalidField("ballot node \(node)") }
        return MultiPaxos.Ballot(round: round, node: NodeID(Int(node)))
    }
}

extension MultiPaxos.SlotValue {
    /// The smallest encoding of one request: client, sequence, and a one-byte command (noop).
    static let minimumRequestSize = 4 + 8 + 1
    static let minimumEncodedSize = 1 + minimumRequestSize

    var encodedSize: Int {
        switch self {
        case .one(let request): return 1 + request.encodedSize
        case .batch(let requests):
            var size = 1 + 4
            for request in requests { size += request.encodedSize }
            return size
        }
    }

    func encode(into w: inout WireWriter) {
        switch self {
        case .one(let request):
            w.write(UInt8(0))
            request.encode(into: &w)
        case .batch(let requests):
            w.write(UInt8(1))
            w.write(UInt32(requests.count))
            for request in requests { request.encode(into: &w) }
        }
    }

    static func decode(from r: inout WireReader) throws(WireError) -> MultiPaxos.SlotValue {
        switch try r.readByte() {
        case 0:
            return .one(try ClientRequest.decode(from: &r))
        case 1:
            let count = try r.readCount(minimumElementSize: minimumRequestSize)
            guard count >= 1 else { throw .invalidField("empty batch") }
            var requests: [ClientRequest] = []
            requests.reserveCapacity(count)
            for _ in 0 ..< count { requests.append(try ClientRequest.decode(from: &r)) }
            return .batch(requests)
        case let tag:
            throw .invalidField("slot value tag \(tag)")
        }
    }
}

extension MultiPaxos.PromiseEntry {
    static let minimumEncodedSize = 8 + MultiPaxos.Ballot.encodedSize + 1 + MultiPaxos.SlotValue.minimumEncodedSize

    var encodedSize: Int { 8 + MultiPaxos.Ballot.encodedSize + 1 + value.encodedSize }

    func encode(into w: inout WireWriter) {
        w.write(slot)
        ballot.encode(into: &w)
        w.write(chosen)
        value.encode(into: &w)
    }

    static func decode(from r: inout WireReader) throws(WireError) -> MultiPaxos.PromiseEntry {
        let slot: UInt64 = try r.read()
        let ballot = try MultiPaxos.Ballot.decode(from: &r)
        let chosen = try r.readBool()
        return MultiPaxos.PromiseEntry(slot: slot, ballot: ballot, chosen: chosen, value: try MultiPaxos.SlotValue.decode(from: &r))
    }
}

extension MultiPaxos.Message {
    public var encodedSize: Int {
        let b = MultiPaxos.Ballot.encodedSize
        switch self {
        case .prepare: return 1 + b + 8
        case .promise(_, _, let entries):
            var size = 1 + b + 8 + 4
            for e in entries { size += e.encodedSize }
            return size
        case .accept(_, _, _, let value): return 1 + b + 8 + 8 + value.encodedSize
        case .accepted, .commit, .heartbeat: return 1 + b + 8
        case .nack: return 1 + b + b
        case .heartbeatAck: return 1 + b
        case .catchUpRequest: return 1 + 8
        case .catchUp(_, let values, _):
            var size = 1 + 8 + 8 + 4
            for v in values { size += v.encodedSize }
            return size
        case .catchUpSnapshot(let m): return 1 + 8 + 8 + 8 + m.state.encodedSize
        }
    }

    public func encode(into w: inout WireWriter) {
        w.write(UInt8(truncatingIfNeeded: kind))
        switch self {
        case .prepare(let ballot, let fromSlot):
            ballot.encode(into: &w)
            w.write(fromSlot)
        case .promise(let ballot, let chosenUpTo, let entries):
            ballot.encode(into: &w)
            w.write(chosenUpTo)
            w.write(UInt32(entries.count))
            for e in entries { e.encode(into: &w) }
        case .accept(let ballot, let slot, let chosenUpTo, let value):
            ballot.encode(into: &w)
            w.write(slot)
            w.write(chosenUpTo)
            value.encode(into: &w)
        case .accepted(let ballot, let slot), .commit(let ballot, let slot):
            ballot.encode(into: &w)
            w.write(slot)
        case .nack(let promised, let rejected):
            promised.encode(into: &w)
            rejected.encode(into: &w)
        case .heartbeat(let ballot, let chosenUpTo):
            ballot.encode(into: &w)
            w.write(chosenUpTo)
        case .heartbeatAck(let ballot):
            ballot.encode(into: &w)
        case .catchUpRequest(let fromSlot):
            w.write(fromSlot)
        case .catchUp(let firstSlot, let values, let chosenUpTo):
            w.write(firstSlot)
            w.write(chosenUpTo)
            w.write(UInt32(values.count))
            for v in values { v.encode(into: &w) }
        case .catchUpSnapshot(let m):
            w.write(m.logStart)
            w.write(m.position)
            w.write(m.chosenUpTo)
            m.state.encode(into: &w)
        }
    }

    public static func decode(from r: inout WireReader) throws(WireError) -> MultiPaxos.Message {
        typealias B = MultiPaxos.Ballot
        switch try r.readByte() {
        case 0:
            return .prepare(ballot: try B.decode(from: &r), fromSlot: try r.read())
        case 1:
            let ballot = try B.decode(from: &r)
            let chosenUpTo: UInt64 = try r.read()
            let count = try r.readCount(minimumElementSize: MultiPaxos.PromiseEntry.minimumEncodedSize)
            var entries: [MultiPaxos.PromiseEntry] = []
            entries.reserveCapacity(count)
            for _ in 0 ..< count { entries.append(try MultiPaxos.PromiseEntry.decode(from: &r)) }
            return .promise(ballot: ballot, chosenUpTo: chosenUpTo, accepted: entries)
        case 2:
            let ballot = try B.decode(from: &r)
            let slot: UInt64 = try r.read()
            let chosenUpTo: UInt64 = try r.read()
            return .accept(ballot: ballot, slot: slot, chosenUpTo: chosenUpTo, value: try MultiPaxos.SlotValue.decode(from: &r))
        case 3:
            return .accepted(ballot: try B.decode(from: &r), slot: try r.read())
        case 4:
            return .commit(ballot: try B.decode(from: &r), slot: try r.read())
        case 5:
            return .nack(promised: try B.decode(from: &r), rejected: try B.decode(from: &r))
        case 6:
            return .heartbeat(ballot: try B.decode(from: &r), chosenUpTo: try r.read())
        case 7:
            return .heartbeatAck(ballot: try B.decode(from: &r))
        case 8:
            return .catchUpRequest(fromSlot: try r.read())
        case 9:
            let firstSlot: UInt64 = try r.read()
            let chosenUpTo: UInt64 = try r.read()
            let count = try r.readCount(minimumElementSize: MultiPaxos.SlotValue.minimumEncodedSize)
            guard firstSlot <= UInt64.max - UInt64(count) else { throw .invalidField("catch-up slots overflow") }
            var values: [MultiPaxos.SlotValue] = []
            values.reserveCapacity(count)
            for _ in 0 ..< count { values.append(try MultiPaxos.SlotValue.decode(from: &r)) }
            return .catchUp(firstSlot: firstSlot, values: values, chosenUpTo: chosenUpTo)
        case 10:
            let logStart: UInt64 = try r.read()
            let position: UInt64 = try r.read()
            let chosenUpTo: UInt64 = try r.read()
            guard logStart <= chosenUpTo else {
                throw .invalidField("a snapshot below slot \(logStart) from a replica chosen up to \(chosenUpTo)")
            }
            return .catchUpSnapshot(MultiPaxos.CatchUpSnapshot(logStart: logStart, position: position,
                                                               state: try KVStateMachine.decode(from: &r), chosenUpTo: chosenUpTo))
        case let kind:
            throw .unknownMessageKind(kind)
        }
    }
}
