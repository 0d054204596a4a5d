/// One decoded frame: which channel, which sender, and a reader positioned at the body.
public struct Frame {
    public var channel: Wire.Channel
    public var sender: Int32
    public var body: WireReader
}

extension Wire {
    /// Bytes a peer message occupies on the wire, frame header included: what every byte count uses.
    @inlinable public static func frameSize<M: WireMessage>(of message: M) -> Int { frameHeaderSize + message.encodedSize }
    @inlinable public static func frameSize(of request: ClientRequest) -> Int { frameHeaderSize + request.encodedSize }
    @inlinable public static func frameSize(of reply: ClientReply) -> Int { frameHeaderSize + reply.encodedSize }

    /// Appends one whole frame to `w`: the header, then whatever `body` writes.
    @inlinable public static func writeFrame(channel: Channel, sender: Int32, into w: inout WireWriter, body: (inout WireWriter) -> Void) {
        let start = w.count
        w.write(UInt32(0))
        w.write(version)
        w.write(channel.rawValue)
        w.write(sender)
        body(&w)
        w.patch(UInt32(w.count - start - 4), at: start)
    }

    /// Encodes a peer message as a standalone frame.
    public static func encodeFrame<M: WireMessage>(_ message: M, from sender: NodeID) -> [UInt8] {
        var w = WireWriter(capacity: frameSize(of: message))
        writeFrame(channel: .peer, sender: sender.rawValue, into: &w) { message.encode(into: &$0) }
        return Array(w.bytes)
    }

    /// How many bytes the frame starting at `offset` needs in total, once its length prefix is there;
    /// nil while fewer than 4 bytes are available. Throws on a length over the maximum.
    public static func frameLength(in bytes: [UInt8], at offset: Int = 0) throws(WireError) -> Int? {
        guard bytes.count - offset >= 4 else { return nil }
        var r = WireReader(bytes, offset: offset)
        let length = Int(try r.read(UInt32.self))
        if length > maximumFrameSize { throw .frameTooLarge(length) }
        if length < frameHeaderSize - 4 { throw .invalidField("frame length \(length)") }
        return 4 + length
    }

    /// Decodes the header of the complete frame that starts at `offset` of `bytes`.
    public static func decodeFrame(_ bytes: [UInt8], at offset: Int = 0) throws(WireError) -> Frame {
        guard let total = try frameLength(in: bytes, at: offset) else {
            throw .truncated(needed: 4, available: bytes.count - offset)
        }
        guard bytes.count - offset >= total else { throw .truncated(needed: total, available: bytes.count - offset) }
        var r = WireReader(bytes, offset: offset + 4, end: offset + total)
        let v = try r.readByte()
        guard v == version else { throw .unsupportedVersion(v) }
        let c = try r.readByte()
        guard let channel = Channel(rawValue: c) else { throw .unknownChannel(c) }
        let sender: Int32 = try r.read()
        return Frame(channel: channel, sender: sender, body: r)
    }

    /// Decodes a whole peer-message frame, insisting the body is consumed exactly.
    public static func decodePeerMessage<M: WireMessage>(_ type: M.Type, frame bytes: [UInt8]) throws(WireError) -> (sender: NodeID, message: M) {
        var frame = try decodeFrame(bytes)
        guard frame.channel == .peer else { throw .invalidField("expected a peer frame, got \(frame.channel)") }
        let message = try M.decode(from: &frame.body)
        if frame.body.remaining != 0 { throw .trailingBytes(frame.body.remaining) }
        return (NodeID(Int(frame.sender)), message)
    }
}
