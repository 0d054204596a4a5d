// Wire encodings of the types every protocol carries: keys, values, commands, client requests and replies.

extension Value {
    /// u32 size · u64 tag · (size − 8) padding bytes: a value costs its full size on the wire.
    @inlinable public var encodedSize: Int { 4 + Int(size) }
    @inlinable public func encode(into w: inout WireWriter) {
        w.write(size)
        w.write(tag)
        w.writeZeros(Int(size) - 8)
    }
    @inlinable public static func decode(from r: inout WireReader) throws(WireError) -> Value {
        let size: UInt32 = try r.read()
        guard size >= 8, Int(size) <= Wire.maximumFrameSize else { throw .invalidField("value size \(size)") }
        let tag: UInt64 = try r.read()
        try r.skip(Int(size) - 8)
        return Value(tag: tag, size: size)
    }
}

extension Optional where Wrapped == Value {
    @inlinable public var encodedSize: Int { 1 + (self?.encodedSize ?? 0) }
    @inlinable public func encode(into w: inout WireWriter) {
        if let v = self { w.write(UInt8(1)); v.encode(into: &w) } else { w.write(UInt8(0)) }
    }
    @inlinable public static func decode(from r: inout WireReader) throws(WireError) -> Value? {
        try r.readBool() ? try Value.decode(from: &r) : nil
    }
}

extension Command {
    @inlinable public var encodedSize: Int {
        switch self {
        case .get: return 1 + 8
        case .put(_, let v): return 1 + 8 + v.encodedSize
        case .cas(_, let e, let n): return 1 + 8 + e.encodedSize + n.encodedSize
        case .noop: return 1
        }
    }
    @inlinable public func encode(into w: inout WireWriter) {
        switch self {
        case .get(let k): w.write(UInt8(0)); w.write(k.rawValue)
        case .put(let k, let v): w.write(UInt8(1)); w.write(k.rawValue); v.encode(into: &w)
        case .cas(let k, let e, let n): w.write(UInt8(2)); w.write(k.rawValue); e.encode(into: &w); n.encode(into: &w)
        case .noop: w.write(UInt8(3))
        }
    }
    @inlinable public static func decode(from r: inout WireReader) throws(WireError) -> Command {
        switch try r.readByte() {
        case 0: return .get(Key(try r.read()))
        case 1: return .put(Key(try r.read()), try Value.decode(from: &r))
        case 2:
            let k = Key(try r.read())
            let e = try Value?.decode(from: &r)
            return .cas(k, expected: e, new: try Value.decode(from: &r))
        case 3: return .noop
        case let t: throw .invalidField("command tag \(t)")
        }
    }
}

/// The high bit of a request's or reply's u32 client field: an authenticator follows the body. Clients
/// of protocols that authenticate nothing pay no byte for it; client ids stay below 2^31.
@usableFromInline let authenticatorFollows: UInt32 = 0x8000_0000

extension Authenticator {
    /// Bytes it adds after a request or reply body: none for `.none` (the client field's flag says so).
    @inlinable @usableFromInline var trailerSize: Int {
        if case .none = self { return 0 }
        return encodedSize
    }
    @inlinable public var isNone: Bool {
        if case .none = self { return true }
        return false
    }
}

extension ClientRequest {
    /// u32 client (high bit: authenticated), u64 sequence, the command, then the authenticator if any.
    @inlinable public var encodedSize: Int { 4 + 8 + command.encodedSize + authenticator.trailerSize }
    /// Bytes of the content alone (what a digest of the request covers).
    @inlinable public var contentSize: Int { 4 + 8 + command.encodedSize }
    @inlinable public func encode(into w: inout WireWriter) {
        if authenticator.isNone {
            encodeContent(into: &w)
        } else {
            w.write(client.rawValue | authenticatorFollows)
            w.write(sequence)
            command.encode(into: &w)
            authenticator.encode(into: &w)
        }
    }
    /// The content without the authenticator: what digests of requests and batches cover.
    @inlinable public func encodeContent(into w: inout WireWriter) {
        w.write(client.rawValue)
        w.write(sequence)
        command.encode(into: &w)
    }
    @inlinable public static func decode(from r: inout WireReader) throws(WireError) -> ClientRequest {
        let field: UInt32 = try r.read()
        var request = ClientRequest(client: ClientID(Int(field & ~authenticatorFollows)), sequence: try r.read(),
                                    command: try Command.decode(from: &r))
        if field & authenticatorFollows != 0 { request.authenticator = try Authenticator.decode(from: &r) }
        return request
    }
}

extension CommandResult {
    @inlinable public var encodedSize: Int {
        switch self {
        case .value(let v): return 1 + v.encodedSize
        case .swapped(_, let p): return 2 + p.encodedSize
        case .none: return 1
        }
    }
    @inlinable public func encode(into w: inout WireWriter) {
        switch self {
        case .value(let v): w.write(UInt8(0)); v.encode(into: &w)
        case .swapped(let ok, let p): w.write(UInt8(1)); w.write(ok); p.encode(into: &w)
        case .none: w.write(UInt8(2))
        }
    }
    @inlinable public static func decode(from r: inout WireReader) throws(WireError) -> CommandResult {
        switch try r.readByte() {
        case 0: return .value(try Value?.decode(from: &r))
        case 1: return .swapped(try r.readBool(), previous: try Value?.decode(from: &r))
        case 2: return .none
        case let t: throw .invalidField("result tag \(t)")
        }
    }
}

extension ClientReply {
    /// u32 client (high bit: authenticated), u64 sequence, i32 replica, the outcome, then the
    /// authenticator if any.
    @inlinable public var encodedSize: Int {
        let body: Int
        switch outcome {
        case .executed(let result): body = 1 + result.encodedSize
        case .redirect: body = 1 + 4
        }
        return 4 + 8 + 4 + body + authenticator.trailerSize
    }
    @inlinable public func encode(into w: inout WireWriter) {
        w.write(authenticator.isNone ? client.rawValue : client.rawValue | authenticatorFollows)
        w.write(sequence)
        w.write(replica.rawValue)
        switch outcome {
        case .executed(let result): w.write(UInt8(0)); result.encode(into: &w)
        case .redirect(let hint): w.write(UInt8(1)); w.write(hint?.rawValue ?? -1)
        }
        if !authenticator.isNone { authenticator.encode(into: &w) }
    }
    @inlinable public static func decode(from r: inout WireReader) throws(WireError) -> ClientReply {
        let field: UInt32 = try r.read()
        let client = ClientID(Int(field & ~authenticatorFollows))
        let sequence: UInt64 = try r.read()
        let replica = NodeID(Int(try r.read(Int32.self)))
        var reply: ClientReply
        switch try r.readByte() {
        case 0:
            reply = ClientReply(client: client, sequence: sequence, replica: replica, outcome: .executed(try CommandResult.decode(from: &r)))
        case 1:
            let hint: Int32 = try r.read()
            reply = ClientReply(client: client, sequence: sequence, replica: replica, outcome: .redirect(hint: hint < 0 ? nil : NodeID(Int(hint))))
        case let t: throw .invalidField("reply tag \(t)")
        }
        if field & authenticatorFollows != 0 { reply.authenticator = try Authenticator.decode(from: &r) }
        return reply
    }
}

extension NodeID {
    @inlinable public func encode(into w: inout WireWriter) { w.write(rawValue) }
    @inlinable public static func decode(from r: inout WireReader) throws(WireError) -> NodeID { NodeID(Int(try r.read(Int32.self))) }
}
