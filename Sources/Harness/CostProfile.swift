import ConsensusCore
import ShellKit
import Simulation
import Yams

/// A machine's measured costs, as `calibrate --save FILE` writes them and `--profile FILE` reads them:
/// per protocol and message kind, what a replica spends handling an input and sending a message;
/// what each crypto operation and a journal write and sync cost; and the loopback network as the tcp
/// shell's transport sees it. The simulator charges these instead of its flat `perMessage` /
/// `perSend`, so its figures are this machine's.
public struct CostProfile: Codable, Sendable, Equatable {
    /// What makes a YAML file a profile (a foreign file is refused, not half-read).
    public static let formatName = "consensus-bench-profile/1"

    public var format = CostProfile.formatName
    /// The machine, in words (architecture, cores, kernel), and when and with what build it was measured.
    public var machine = ""
    public var measured = ""
    public var build = ""
    public var crypto = Crypto()
    public var disk = Disk()
    public var network = Network()
    /// By protocol name (`raft`, `multipaxos`, `pbft`).
    public var protocols: [String: ProtocolCosts] = [:]

    public init() {}

    /// Nanoseconds per operation, as `calibrate` times them.
    public struct Crypto: Codable, Sendable, Equatable {
        public var mac: Int64 = 0
        public var signature: Int64 = 0
        public var signatureCheck: Int64 = 0
        public var digest: Int64 = 0
        public init() {}
        enum CodingKeys: String, CodingKey { case mac, signature, signatureCheck = "signature_check", digest }
    }

    /// A journal append of one record: written (p50), and written and fdatasync'd (p50), in nanoseconds.
    public struct Disk: Codable, Sendable, Equatable {
        public var write: Int64 = 0
        public var sync: Int64 = 0
        public init() {}
    }

    /// The tcp shell's transport between two event loops on this machine (a ping-pong of small frames):
    /// one way is half the 5th-percentile round trip, and jitter half the spread to the 95th, which is
    /// how the simulator's links draw delays (latency plus a uniform jitter).
    public struct Network: Codable, Sendable, Equatable {
        public var oneWay: Int64 = 0
        public var jitter: Int64 = 0
        public var roundTripP50: Int64 = 0
        public var roundTripP99: Int64 = 0
        /// What the transport itself costs an event loop per frame it reads, or per frame it writes
        /// (framing, the per-tick flush's share of a syscall): the process's CPU time over the frames
        /// moved, halved, in an echo with 64 frames in flight, each side on its own event loop. Added
        /// to every handled input and every send, since a replica on the tcp shell pays it as well as
        /// its protocol work. (Profiles measured before 2026-12-07 took it from wall time, which also
        /// counted the time the loops slept: about twice the CPU on the project machine.)
        public var perFrame: Int64 = 0
        /// The same ping-pong with both ends on one event loop (no thread to wake): the link between
        /// two replicas the tcp shell runs on one loop. Optional: profiles from before it was measured.
        public var sameLoopOneWay: Int64?
        public var sameLoopJitter: Int64?
        /// `perFrame` taken apart (`EventLoopTicks`): what a read or write syscall of an event loop
        /// costs (and a tick that finds work waiting), what a tick costs that wakes a sleeping loop,
        /// and what a frame costs besides them. Fitted from three echoes (`calibrate`: a ping-pong
        /// between two loops, one within a loop, 64 frames in flight), each side's CPU per frame
        /// against the syscalls and ticks per frame it counted. Optional: profiles from before
        /// 2026-12-08 did not take it apart, and the simulator then folds it all into `perFrame`.
        public var perSyscall: Int64?
        public var perWakeUp: Int64?
        public var frameWork: Int64?
        /// What one more byte of a frame costs the transport, per side (picoseconds): the 64-in-flight
        /// echo with 4 KB bodies against small ones. Charged twice (writer's and reader's copies) to
        /// the reader of each frame. Optional: profiles from before 2026-12-08 have none.
        public var perBytePicoseconds: Int64?
        public init() {}
        enum CodingKeys: String, CodingKey {
            case oneWay = "one_way", jitter, roundTripP50 = "round_trip_p50", roundTripP99 = "round_trip_p99",
                 perFrame = "per_frame", sameLoopOneWay = "same_loop_one_way", sameLoopJitter = "same_loop_jitter",
                 perSyscall = "per_syscall", perWakeUp = "per_wake_up", frameWork = "frame_work",
                 perBytePicoseconds = "per_byte_ps"
        }

        /// The event loops' syscall model this profile measured, if it did.
        public var eventLoopTicks: EventLoopTicks? {
            guard let perSyscall, perSyscall > 0, let perWakeUp, frameWork != nil else { return nil }
            return EventLoopTicks(perSyscall: Interval(nanoseconds: perSyscall), perWakeUp: Interval(nanoseconds: perWakeUp))
        }
    }

    /// One protocol's table, in nanoseconds by message kind (`request` among handled inputs, `reply`
    /// among sends), and the steady states it was measured in.
    public struct ProtocolCosts: Codable, Sendable, Equatable {
        public var measuredIn = ""
        public var handle: [String: Int64] = [:]
        public var send: [String: Int64] = [:]
        /// Encoding what one persist hands the journal (its records, framed and checksummed), the
        /// mean over the steady state's persists. It grows with the protocol's records: a PBFT
        /// replica rewrites a whole log slot (its batch and votes) where a Raft follower appends one
        /// entry. Optional: profiles from before 2026-12-07 charged every protocol `disk.write` alone.
        public var persist: Int64?
        public init() {}
        enum CodingKeys: String, CodingKey { case measuredIn = "measured_in", handle, send, persist }
    }

    enum CodingKeys: String, CodingKey { case format, machine, measured, build, crypto, disk, network, protocols }

    // MARK: - Applying

    /// `cpu` charging this profile for `protocolName`: the per-kind tables (their handling and sending
    /// include (de)serialisation; the per-byte charge is the transport's copies, if the profile measured
    /// them), the crypto costs, and per persist
    /// the protocol's record encoding plus a journal write. Each frame handled or sent also costs the
    /// transport's `perFrame`, or with `ticks` (the simulator charges syscalls itself) its `frameWork`.
    public func applied(to base: CPUModel, protocolName: String, ticks: Bool = false) -> CPUModel {
        var cpu = base
        let table = protocols[protocolName]
        let frame = transportPerFrame(ticks: ticks)
        if let table {
            cpu.handling = table.handle.mapValues { Interval(nanoseconds: $0 + frame) }
            cpu.sending = table.send.mapValues { Interval(nanoseconds: $0 + frame) }
            cpu.perBytePicoseconds = 2 * (network.perBytePicoseconds ?? 0)
        }
        cpu.perMAC = Interval(nanoseconds: crypto.mac)
        cpu.perSignature = Interval(nanoseconds: crypto.signature)
        cpu.perSignatureVerify = Interval(nanoseconds: crypto.signatureCheck)
        cpu.perDigest = Interval(nanoseconds: crypto.digest)
        cpu.perPersist = Interval(nanoseconds: disk.write + (table?.persist ?? 0))
        return cpu
    }

    /// What the transport costs per frame: with syscalls charged apart (`ticks`), the work besides them.
    public func transportPerFrame(ticks: Bool) -> Int64 {
        ticks ? (network.frameWork ?? network.perFrame) : network.perFrame
    }

    /// The simulated network as the tcp shell's loopback transport: its measured one-way delay and
    /// jitter. With `ticks` (the simulator charges the loops' wake-ups and syscalls as CPU time) the
    /// links carry only what that CPU time does not explain: a lone frame between two loops costs its
    /// sender a write and its receiver a wake-up and a read, and those already delay it, so the link
    /// keeps the rest of the measured median one way (half the round trip's p50); within one loop, the
    /// rest of the measured mean, after a write, an `epoll_wait` and a read.
    public func loopbackNetwork(base: NetworkModel = NetworkModel(), ticks: Bool = false) -> NetworkModel {
        var net = base
        net.latency = Interval(nanoseconds: network.oneWay)
        net.jitter = Interval(nanoseconds: network.jitter)
        net.sameCPULatency = network.sameLoopOneWay.map { Interval(nanoseconds: $0) }
        net.sameCPUJitter = network.sameLoopJitter.map { Interval(nanoseconds: $0) }
        guard ticks, let syscall = network.perSyscall, let wakeUp = network.perWakeUp, let work = network.frameWork else { return net }
        /// A uniform delay of mean `mean`, as wide as `jitter` allows.
        func delay(mean: Int64, jitter: Int64) -> (latency: Interval, jitter: Interval) {
            let mean = max(0, mean)
            let j = min(jitter, 2 * mean)
            return (Interval(nanoseconds: mean - j / 2), Interval(nanoseconds: j))
        }
        (net.latency, net.jitter) = delay(mean: network.roundTripP50 / 2 - (2 * work + 2 * syscall + wakeUp), jitter: network.jitter)
        if let same = network.sameLoopOneWay, let jitter = network.sameLoopJitter {
            let d = delay(mean: same + jitter / 2 - (2 * work + 3 * syscall), jitter: jitter)
            (net.sameCPULatency, net.sameCPUJitter) = (d.latency, d.jitter)
        }
        return net
    }

    // MARK: - YAML

    public func yaml() throws -> String {
        let encoder = YAMLEncoder()
        encoder.options.sortKeys = true
        return "# consensus-bench cost profile: `consensus-bench calibrate --save FILE` writes it, `--profile FILE` reads it.\n"
            + "# All figures in nanoseconds.\n" + (try encoder.encode(self))
    }

    /// Reads a profile, or throws one line naming the file and what is wrong with it.
    public static func load(yaml text: String, path: String) throws -> CostProfile {
        let profile: CostProfile
        do {
            guard let node = try Yams.compose(yaml: text), case .mapping(let map) = node else {
                throw ExperimentError("\(path) is not a consensus-bench cost profile (expected a YAML mapping with format: \(formatName))")
            }
            guard map["format"]?.string == formatName else {
                throw ExperimentError("\(path) is not a consensus-bench cost profile (its format is not \(formatName))")
            }
            profile = try YAMLDecoder().decode(CostProfile.self, from: node)
        } catch let e as ExperimentError {
            throw e
        } catch let e as DecodingError {
            throw ExperimentError("\(path): not a valid cost profile: \(Self.describe(e))")
        } catch {
            throw ExperimentError("\(path): not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        if let problem = profile.problem { throw ExperimentError("\(path): \(problem)") }
        return profile
    }

    /// A figure no machine measures: negative, or a protocol without a table.
    var problem: String? {
        let flat = [("crypto.mac", crypto.mac), ("crypto.signature", crypto.signature), ("crypto.signature_check", crypto.signatureCheck),
                    ("crypto.digest", crypto.digest), ("disk.write", disk.write), ("disk.sync", disk.sync),
                    ("network.one_way", network.oneWay), ("network.jitter", network.jitter), ("network.per_frame", network.perFrame),
                    ("network.per_syscall", network.perSyscall ?? 0), ("network.per_wake_up", network.perWakeUp ?? 0),
                    ("network.frame_work", network.frameWork ?? 0),
                    ("network.per_byte_ps", network.perBytePicoseconds ?? 0)]
        if let (name, _) = flat.first(where: { $0.1 < 0 }) { return "\(name) is negative" }
        for (name, table) in protocols.sorted(by: { $0.key < $1.key }) {
            if table.handle.isEmpty { return "protocols.\(name).handle is empty" }
            if let (kind, _) = table.handle.first(where: { $0.value < 0 }) ?? table.send.first(where: { $0.value < 0 }) {
                return "protocols.\(name): the cost of \(kind) is negative"
            }
            if let p = table.persist, p < 0 { return "protocols.\(name).persist is negative" }
        }
        return nil
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String {
            c.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let c): return "missing \(path(c).isEmpty ? "" : path(c) + ".")\(key.stringValue)"
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            return "\(path(c)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
