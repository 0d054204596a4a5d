import ConsensusCore
import Logging
import NIOCore

/// What a connection calls on its owner (a replica node or the load generator), on the connection's
/// event loop, which is also the owner's. Each owner builds these in its own `makeConnection(role:)`,
/// with closures that call its methods directly, on purpose:
/// - NIO reaches the connection through an existential, and closures made by the owner run the owner's
///   code specialised for its concrete replica type, where a generic owner would run unspecialised
///   generic code (runtime metadata lookups on every frame).
/// - Cross-module optimisation makes a generic method's body available to the harness, which
///   specialises `ReplicaNode` for each protocol, only if it is reached by direct calls from the
///   module's public entry points; a call through a protocol's witness table ends that walk. Through a
///   `ConnectionOwner` protocol, a replica's whole frame path (decode, step, effects, flush) ran
///   unspecialised: 12–14 % of the tcp shell's CPU went to metadata lookups (perf, PBFT n=4, 64 clients).
struct ConnectionCallbacks {
    /// A complete frame arrived and its header decoded. Throwing closes this connection (with a log line).
    var frame: (inout Frame, FramedConnection) throws(ConnectionError) -> Void
    /// The connection is up and writable.
    var active: (FramedConnection) -> Void
    /// The connection is gone (closed by either side).
    var closed: (FramedConnection) -> Void
    /// The connection has pending bytes: schedule the end-of-tick flush.
    var needsFlush: (FramedConnection) -> Void
}

/// Why a connection was closed: bad bytes, or a frame that does not belong on it.
struct ConnectionError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
    init(_ error: WireError) { description = error.description }
}

/// Who is at the other end of a connection, as far as the owner knows.
enum ConnectionRole: Equatable {
    /// Accepted, no hello yet.
    case unidentified
    /// Accepted from replica `NodeID`, which writes its messages for us here.
    case peerFrom(NodeID)
    /// Accepted from a load generator: its client requests arrive here, our replies leave here.
    case clientDriver(Int32)
    /// Dialled by us to replica `NodeID`: we write our messages for it here and read nothing.
    case peerTo(NodeID)
    /// Dialled by the load generator to replica `NodeID`.
    case replica(NodeID)
}

/// One TCP connection, as the last handler of its pipeline: it splits the byte stream into frames and
/// hands each to its owner, and it holds the bytes the owner wrote since the last flush.
///
/// Reading: the length prefix is checked against `Wire.maximumFrameSize` before anything is buffered;
/// a complete frame is copied once into a reused array (the codec reads `[UInt8]`), decoded there, and
/// the array is reused for the next frame. Bytes left over from a read wait in one reused buffer.
/// Writing: `write` appends an encoded frame to `pending`; the owner's end-of-tick flush copies all of
/// it into one `ByteBuffer` and does one `writeAndFlush`: one syscall for everything sent this tick.
final class FramedConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let owner: ConnectionCallbacks
    var role: ConnectionRole
    let logger: Logger
    private(set) var context: ChannelHandlerContext?
    /// True once we decided to close (bad bytes, crash, shutdown): nothing more is read or written.
    private(set) var closing = false
    /// True between channelActive and channelInactive.
    private(set) var isActive = false

    /// Encoded frames not yet handed to the socket.
    var pending = WireWriter(capacity: 4096)
    /// True while this connection is on its owner's flush list.
    var flushQueued = false
    /// Syscalls this connection caused, as far as its handler sees them: reads (each `channelRead` is
    /// one `read`), read bursts (each ends a readiness the loop's `epoll_wait` reported) and flushes
    /// (each one `write`). `calibrate` fits the per-syscall cost from them (`TransportProbe`).
    private(set) var reads = 0
    private(set) var readBursts = 0
    private(set) var flushes = 0
    private var outgoing: ByteBuffer
    private var leftover: ByteBuffer
    private var scratch: [UInt8] = []

    init(role: ConnectionRole, logger: Logger, owner: ConnectionCallbacks) {
        self.owner = owner
        self.role = role
        self.logger = logger
        outgoing = ByteBufferAllocator().buffer(capacity: 4096)
        leftover = ByteBufferAllocator().buffer(capacity: 0)
        scratch.reserveCapacity(512)
    }

    var channel: Channel? { context?.channel }
    var remoteDescription: String { context?.remoteAddress.map { "\($0)" } ?? "?" }

    // MARK: Writing

    /// Appends one frame to the pending bytes; the owner flushes at the end of the tick.
    @inline(__always)
    func write(channel: Wire.Channel, sender: Int32, body: (inout WireWriter) -> Void) {
        guard isActive, !closing else { return }
        Wire.writeFrame(channel: channel, sender: sender, into: &pending, body: body)
        if !flushQueued {
            flushQueued = true
            owner.needsFlush(self)
        }
    }

    /// Appends bytes that are already a whole frame (a delayed send).
    func write(frameBytes: [UInt8]) {
        guard isActive, !closing else { return }
        pending.write(bytes: frameBytes)
        if !flushQueued {
            flushQueued = true
            owner.needsFlush(self)
        }
    }

    /// Hands everything pending to the socket in one write and one flush.
    func flush() {
        flushQueued = false
        guard let context, isActive, !closing, !pending.bytes.isEmpty else {
            pending.clear()
            return
        }
        outgoing.clear()
        outgoing.writeBytes(pending.bytes)
        pending.clear()
        flushes &+= 1
        context.writeAndFlush(NIOAny(outgoing), promise: nil)
    }

    /// Closes the connection on purpose (crash, shutdown, or the owner's verdict), without a warning.
    func close() {
        guard !closing else { return }
        closing = true
        pending.clear()
        context?.close(promise: nil)
    }

    // MARK: ChannelInboundHandler

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { becameActive() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        becameActive()
        context.fireChannelActive()
    }

    private func becameActive() {
        guard !isActive else { return }
        isActive = true
        owner.active(self)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if leftover.readableBytes > 0 && !closing {
            logger.warning("closing connection from \(remoteDescription): truncated frame at end of stream (\(leftover.readableBytes) bytes of an incomplete frame)")
        }
        leftover.clear()
        isActive = false
        closing = true
        owner.closed(self)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // Socket errors (reset by peer, refused) end the connection; channelInactive reports it.
        logger.debug("connection \(remoteDescription): \(error)")
        close()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        readBursts &+= 1
        context.fireChannelReadComplete()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reads &+= 1
        guard !closing else { return }
        var incoming = unwrapInboundIn(data)
        do {
            if leftover.readableBytes == 0 {
                try parse(&incoming)
                if incoming.readableBytes > 0 && !closing {
                    leftover.clear()
                    leftover.writeBuffer(&incoming)
                }
            } else {
                leftover.writeBuffer(&incoming)
                try parse(&leftover)
                if leftover.readableBytes == 0 {
                    leftover.clear()
                } else if leftover.readerIndex > 1 << 16 {
                    leftover.discardReadBytes()
                }
            }
        } catch {
            logger.warning("closing connection from \(remoteDescription) (\(role)): \(error)")
            leftover.clear()
            close()
        }
    }

    /// Splits `buffer` into whole frames and hands each to the owner; stops at an incomplete one.
    private func parse(_ buffer: inout ByteBuffer) throws(ConnectionError) {
        while !closing, let length = buffer.getInteger(at: buffer.readerIndex, endianness: .little, as: UInt32.self) {
            let bodyLength = Int(length)
            if bodyLength > Wire.maximumFrameSize { throw ConnectionError(WireError.frameTooLarge(bodyLength)) }
            if bodyLength < Wire.frameHeaderSize - 4 { throw ConnectionError(WireError.invalidField("frame length \(bodyLength)")) }
            let total = 4 + bodyLength
            guard buffer.readableBytes >= total else { return }
            scratch.removeAll(keepingCapacity: true)
            buffer.withUnsafeReadableBytes { scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[0 ..< total])) }
            buffer.moveReaderIndex(forwardBy: total)
            var frame: Frame
            do { frame = try Wire.decodeFrame(scratch) } catch { throw ConnectionError(error) }
            try owner.frame(&frame, self)
        }
    }
}
