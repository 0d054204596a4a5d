import ConsensusCore
import Logging
import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The loopback shell: the same pure replicas as the simulator, over real TCP sockets with SwiftNIO.
///
/// - Every replica listens on its own port (127.0.0.1 and an ephemeral port unless told otherwise) and
///   is confined to one event loop: its inputs (frames, timers, client requests) all run there, so the
///   replica needs no lock.
/// - **One TCP connection per ordered peer pair.** Replica i dials replica j and only ever writes on that
///   connection; j only reads from it. A pair therefore holds two connections (i→j and j→i). This avoids
///   the simultaneous-open race of a shared connection per pair (who keeps which socket), keeps each
///   socket's bytes flowing one way, and makes a frame's origin the dialler's (checked on every frame).
/// - Frames are the foundation's versioned codec (`Wire.writeFrame`): `u32 length · version · channel ·
///   sender · body`. A frame with an empty body is this shell's *hello*: the first frame on every
///   connection, which names the dialler (a replica id on the peer channel, a load-generator id on the
///   client-request channel). Hellos are connection set-up, like the TCP handshake, and are not counted.
///   A replica sends client c's replies on the latest connection whose hello named generator
///   c mod (number of generators); the shell trusts its network (loopback), so nothing authenticates a hello.
/// - Writes are batched per event-loop tick: a send appends the encoded frame to the connection's
///   pending bytes; the first send of a tick schedules one task that, after every read the tick brought,
///   writes and flushes each connection with pending bytes once.
/// - Messages are counted as they leave (by kind and `Wire.frameSize`, inside the measurement window),
///   exactly where and as the simulator counts them, so the CSV columns mean the same thing.
/// - Bad bytes (a length over `Wire.maximumFrameSize`, garbage, an unknown codec version or channel, a
///   frame from an unknown node id, a truncated frame at end of stream) close that one connection with
///   a log line; the replica keeps serving everyone else.
public enum Loopback {
    /// Records a closed loop's history and applied lists get room for per second of run, up to 2 M:
    /// above the 110 k ops/s the fastest cluster here completes over loopback. Untouched room is address
    /// space, not memory (what a record takes is faulted in as it is written).
    public static let closedLoopRecordsPerSecond = 300_000.0

    /// How the shell lays out threads and sockets.
    public struct Options: Sendable {
        /// Event-loop threads shared by the replicas (replica i runs on loop i mod threads).
        public var threads = 2
        /// Event-loop threads of the load generator; 0 puts it on one of the replicas' loops
        /// (`generatorLoop`), which on a 2-core machine avoids a third busy thread.
        public var generatorThreads = 0
        /// With `generatorThreads == 0`: which of the replicas' loops the load generator shares.
        public var generatorLoop = 1
        /// Address every listener binds to.
        public var bindHost = "127.0.0.1"
        /// Fixed listening ports by replica id; empty: ephemeral ports.
        public var ports: [Int] = []
        /// How long a dialler waits before trying a lost or refused connection again.
        public var reconnectInterval: Interval = .milliseconds(20)
        /// How long start-up may take to bind every listener and connect every pair.
        public var connectTimeout: Interval = .seconds(10)
        /// Extra delay on everything a `slow` Byzantine replica sends (the simulator's `slowDelay`).
        public var slowDelay: Interval = .milliseconds(50)
        /// Longest wait for channels and event loops to close at shutdown before giving up on them.
        public var shutdownTimeout: Interval = .seconds(5)
        public var logger = Logger(label: "consensus-bench.loopback")
        /// The process shell's nodes: the allocator they run with.
        public var allocator = Allocator.system

        public init() {}
    }

    /// A replica's listening address as the shell bound it.
    public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
        public var description: String { "\(host):\(port)" }
    }
}

extension Loopback {
    /// Why a listener could not bind `host` (it does not resolve, or it is not an address of this
    /// machine), or nil. Asked before any event loop, socket or process is made, so a bad `--bind` is one
    /// line and nothing to clean up.
    public static func bindProblem(_ host: String) -> String? {
        guard !host.isEmpty, let address = try? SocketAddress.makeAddressResolvingHost(host, port: 0) else {
            return "is not an IP address or a host name this machine resolves"
        }
        let fd = socket(address.protocol.rawValue, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }  // the listener will say
        defer { close(fd) }
        if address.withSockAddr({ bind(fd, $0, socklen_t($1)) }) != 0 {
            return "cannot be bound on this machine: \(String(cString: strerror(errno)))"
        }
        return nil
    }
}

/// Why the shell could not do what it was asked (bind, connect, shut down); one line for the user.
public struct LoopbackError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
