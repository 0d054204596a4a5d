import ConsensusCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix

extension Loopback {
    /// Moves small frames through this shell's own transport (framed connections, the per-tick flush,
    /// frame parsing and header decoding) with no protocol behind it, so its rate can be set beside raw
    /// loopback TCP on the same machine (`Benchmarks/LoopbackRaw`): a pipelined echo in which `inFlight`
    /// frames circulate between a client and a server that sends every frame straight back, each side
    /// on its own event loop. With `inFlight` 1 it is a ping-pong.
    public enum TransportProbe {
        public struct Figures: Sendable, CustomStringConvertible {
            public var roundTrips: Int
            public var seconds: Double
            /// Every round trip's time, sorted, when one frame was in flight (a ping-pong); else empty.
            public var roundTripNanoseconds: [Int64] = []
            /// The process's CPU time (user and system, every thread) while the frames moved: the two
            /// loops' work, without the time they slept waiting for each other.
            public var cpuNanoseconds: Int64 = 0
            /// What both sides' connections counted (`FramedConnection`): reads and flushes (a syscall
            /// each), and read bursts (each one tick of the loop: one readiness `epoll_wait` reported).
            public var readsAndWrites = 0
            public var ticks = 0
            /// CPU time per frame and side: each frame is written by one side and read by the other.
            public var cpuPerFrameSide: Double { Double(cpuNanoseconds) / Double(4 * roundTrips) }
            /// Per frame and side.
            public var readsAndWritesPerFrameSide: Double { Double(readsAndWrites) / Double(4 * roundTrips) }
            public var ticksPerFrameSide: Double { Double(ticks) / Double(4 * roundTrips) }
            public var roundTripsPerSecond: Double { Double(roundTrips) / seconds }
            /// Frames moved per second, both directions.
            public var messagesPerSecond: Double { 2 * roundTripsPerSecond }
            public var description: String {
                "\(roundTrips) round trips in \(seconds) s: \(Int(roundTripsPerSecond)) round trips/s (\(Int(messagesPerSecond)) messages/s)"
            }
        }

        /// Runs the echo until `roundTrips` frames came back; frames carry `bodyBytes` after the header.
        public static func echo(roundTrips: Int, inFlight: Int, bodyBytes: Int = 58, threads: Int = 2) throws -> Figures {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
            defer { try? group.syncShutdownGracefully() }
            let loops = Array(group.makeIterator())
            let serverLoop = loops[0]
            let clientLoop = loops[loops.count > 1 ? 1 : 0]
            let server = try serverLoop.submit { NIOLoopBound(ProbeSide(loop: serverLoop, bodyBytes: bodyBytes, echo: true), eventLoop: serverLoop) }.wait()
            let listener = try ServerBootstrap(group: serverLoop, childGroup: serverLoop)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(server.value.makeConnection())
                    }
                }
                .bind(host: "127.0.0.1", port: 0).wait()
            defer { try? listener.close().wait() }
            let port = listener.localAddress?.port ?? 0
            let done = clientLoop.makePromise(of: Double.self)
            let client = try clientLoop.submit {
                let side = ProbeSide(loop: clientLoop, bodyBytes: bodyBytes, echo: false)
                side.target = roundTrips
                side.inFlight = inFlight
                side.done = done
                return NIOLoopBound(side, eventLoop: clientLoop)
            }.wait()
            let cpuBefore = processCPUNanoseconds()
            let channel = try ClientBootstrap(group: clientLoop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(client.value.makeConnection())
                    }
                }
                .connect(host: "127.0.0.1", port: port).wait()
            defer { try? channel.close().wait() }
            let seconds = try done.futureResult.wait()
            let cpu = processCPUNanoseconds() - cpuBefore
            let (samples, clientCounts) = try clientLoop.submit {
                (client.value.roundTripSamples.sorted(), client.value.takeSyscalls())
            }.wait()
            let serverCounts = try serverLoop.submit { server.value.takeSyscalls() }.wait()
            return Figures(roundTrips: roundTrips, seconds: seconds, roundTripNanoseconds: samples, cpuNanoseconds: cpu,
                           readsAndWrites: clientCounts.readsAndWrites + serverCounts.readsAndWrites,
                           ticks: clientCounts.ticks + serverCounts.ticks)
        }
    }
}

/// User and system CPU time of this process so far, every thread.
func processCPUNanoseconds() -> Int64 {
    var usage = rusage()
    #if canImport(Glibc)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    func nanoseconds(_ t: timeval) -> Int64 { Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_usec) * 1000 }
    return nanoseconds(usage.ru_utime) + nanoseconds(usage.ru_stime)
}

/// One side of the probe: the server echoes every frame; the client keeps `inFlight` frames out.
final class ProbeSide {
    let loop: EventLoop
    let bodyBytes: Int
    let echo: Bool
    var target = 0
    var inFlight = 1
    var sent = 0
    var received = 0
    var started: NIODeadline = .now()
    /// In a ping-pong: when the frame now out left, and each round trip's time.
    var lastSent: NIODeadline = .now()
    var roundTripSamples: [Int64] = []
    var done: EventLoopPromise<Double>?
    let flushes: FlushBatch
    /// The body every frame carries (encoded once: the probe measures moving frames, not encoding them).
    let body: [UInt8]

    init(loop: EventLoop, bodyBytes: Int, echo: Bool) {
        self.loop = loop
        self.bodyBytes = bodyBytes
        self.echo = echo
        flushes = FlushBatch(loop: loop)
        body = [UInt8](repeating: 0xAB, count: bodyBytes)
    }

    /// The connections this side made (one in practice), for their syscall counts.
    var connections: [FramedConnection] = []

    /// The connections' syscall counts, letting go of them (each holds this side in its callbacks).
    func takeSyscalls() -> (readsAndWrites: Int, ticks: Int) {
        defer { connections.removeAll() }
        return (connections.reduce(0) { $0 + $1.reads + $1.flushes }, connections.reduce(0) { $0 + $1.readBursts })
    }

    func makeConnection() -> FramedConnection {
        let connection = FramedConnection(role: .unidentified, logger: Loopback.Options().logger, owner: ConnectionCallbacks(
            frame: { [self] (frame: inout Frame, connection: FramedConnection) throws(ConnectionError) in
                received(on: connection)
            },
            active: { [self] connection in
                guard !echo else { return }
                started = .now()
                for _ in 0 ..< min(inFlight, target) { send(on: connection) }
            },
            closed: { _ in },
            needsFlush: { [self] connection in flushes.needsFlush(connection) }))
        connections.append(connection)
        return connection
    }

    func send(on connection: FramedConnection) {
        sent += 1
        if !echo, inFlight == 1 { lastSent = .now() }
        connection.write(channel: .peer, sender: 0) { [body] in $0.write(bytes: body) }
    }

    func received(on connection: FramedConnection) {
        if echo {
            send(on: connection)
            return
        }
        received += 1
        if inFlight == 1 { roundTripSamples.append((NIODeadline.now() - lastSent).nanoseconds) }
        if received == target {
            done?.succeed(Double((NIODeadline.now() - started).nanoseconds) / 1e9)
            done = nil
        } else if sent < target {
            send(on: connection)
        }
    }
}
