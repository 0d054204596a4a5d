import ArgumentParser
import Calibration
import Foundation
import Harness
import Logging
import Loopback
import PBFT
import ShellKit
import Simulation

/// `consensus-bench calibrate`: measures this machine's cost profile. It times each cryptographic
/// operation PBFT replicas perform, what a persist costs on the disk results go to, what each
/// protocol's replica spends per kind of input and per message sent (replaying recorded steady
/// states), and the tcp shell's loopback transport; it prints them next to the model's defaults and,
/// with `--save FILE`, writes the profile that `run`, `sweep` and `check` take as `--profile FILE`.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Measure this machine's cost profile for the simulator: crypto, journal appends, each protocol's per-message costs, the loopback transport.")

    @Option(help: "Wall time to spend timing each operation, in seconds.")
    var seconds: Double = 0.25

    @Option(name: .customLong("disk-dir"), help: "A folder on the disk to time journal appends on (created if missing; the probe's file is deleted afterwards).")
    var diskDirectory = "results"

    @Option(name: .customLong("protocol-seconds"), help: "Wall time to replay each protocol's steady states (per state measured; 7 in all).")
    var protocolSeconds: Double = 1

    @Option(name: .customLong("round-trips"), help: "Loopback ping-pong round trips to time.")
    var roundTrips = 20_000

    @Option(help: "Write the measured cost profile to this YAML file (for --profile).")
    var save: String?

    @Option(help: "Measure under this allocator: system, or jemalloc (Debian's libjemalloc, preloaded by starting calibrate again).")
    var allocator: String = "system"

    func run() throws {
        guard seconds > 0, seconds <= 60 else { throw ValidationError("--seconds must be between 0 and 60") }
        guard protocolSeconds > 0, protocolSeconds <= 60 else { throw ValidationError("--protocol-seconds must be between 0 and 60") }
        guard roundTrips >= 100, roundTrips <= 10_000_000 else { throw ValidationError("--round-trips must be between 100 and 10000000") }
        let chosen = try Allocator(option: allocator)
        if let library = try chosen.preload(), Allocator.inUse() != Allocator.jemalloc.rawValue {
            // Started again once at most: if the library did not load under LD_PRELOAD, say so.
            guard ProcessInfo.processInfo.environment["LD_PRELOAD"] != library else {
                throw ExperimentError("--allocator jemalloc: \(library) was preloaded but is not mapped")
            }
            try Self.restart(preloading: library)  // does not return
        }
        print("allocator: \(Allocator.inUse() ?? "unknown")")
        let disk = DiskProbe(directory: diskDirectory, budget: .seconds(seconds), valueSize: 16)
        try disk.prepare()  // a folder that cannot be made fails before anything is timed
        if let save { try checkWritable(save) }
        #if DEBUG
        Logger(label: "consensus-bench.calibrate")
            .warning("a debug build: its figures are many times a release build's (swift run -c release consensus-bench calibrate)")
        #endif
        var profile = CostProfile()
        profile.crypto = measureCrypto()
        profile.disk = try calibrate(disk)
        var crypto = CPUModel()
        crypto = profile.applied(to: crypto, protocolName: "")
        profile.protocols = ProfileProbe.protocolCosts(budget: .milliseconds(Int64(protocolSeconds * 1000)), crypto: crypto) {
            FileHandle.standardError.write(Data("calibrate: replaying \($0)'s steady states\n".utf8))
        }
        printProtocols(profile.protocols)
        profile.network = try ProfileProbe.loopback(roundTrips: roundTrips)
        printNetwork(profile.network)
        guard let save else { return }
        profile.machine = Self.machineDescription
        profile.measured = ISO8601DateFormatter().string(from: Date())
        profile.build = "\(Self.buildKind) \(BuildStamp.gitCommit)\(BuildStamp.gitDirty == "true" ? " (dirty)" : "")"
        try profile.yaml().write(toFile: save, atomically: true, encoding: .utf8)
        print("\nwrote \(save): use it with --profile \(save)")
    }

    func measureCrypto() -> CostProfile.Crypto {
        var sample = PBFT.CryptoSample()
        let model = CPUModel()
        let rows: [(name: String, nanoseconds: Double, modelDefault: Int64?, flag: String?)] = [
            ("MAC: HMAC-SHA256, key pads absorbed (as the replicas)", time { sample.mac() }, model.perMAC.nanoseconds, "--cpu-per-mac"),
            ("MAC: swift-crypto HMAC<SHA256>, key set up per call", time { sample.libraryMAC() }, nil, nil),
            ("Ed25519 signature", time { sample.sign() }, model.perSignature.nanoseconds, "--cpu-per-signature"),
            ("Ed25519 signature check", time { sample.verify() }, model.perSignatureVerify.nanoseconds, "--cpu-per-signature-check"),
            ("SHA-256 digest of a one-request batch", time { sample.digest() }, model.perDigest.nanoseconds, "--cpu-per-digest"),
        ]
        print(pad("operation", 56) + pad("measured ns", 14, right: true) + pad("model default ns", 18, right: true))
        for row in rows {
            print(pad(row.name, 56) + pad(String(Int(row.nanoseconds.rounded())), 14, right: true)
                + pad(row.modelDefault.map(String.init) ?? "", 18, right: true))
        }
        let flags = rows.compactMap { row in row.flag.map { "\($0) \(Int(row.nanoseconds.rounded()))ns" } }
        print("charge what was measured: consensus-bench run --protocol pbft " + flags.joined(separator: " "))
        var c = CostProfile.Crypto()
        c.mac = Int64(rows[0].nanoseconds.rounded())
        c.signature = Int64(rows[2].nanoseconds.rounded())
        c.signatureCheck = Int64(rows[3].nanoseconds.rounded())
        c.digest = Int64(rows[4].nanoseconds.rounded())
        return c
    }

    func printProtocols(_ tables: [String: CostProfile.ProtocolCosts]) {
        for name in ProtocolRegistry.names {
            guard let t = tables[name] else { continue }
            print("\n\(name) (\(t.measuredIn))")
            print(pad("  message", 26) + pad("handle ns", 12, right: true) + pad("send ns", 12, right: true))
            for kind in Set(t.handle.keys).union(t.send.keys).sorted() {
                print(pad("  " + kind, 26) + pad(t.handle[kind].map(String.init) ?? "", 12, right: true)
                    + pad(t.send[kind].map(String.init) ?? "", 12, right: true))
            }
            if let p = t.persist { print(pad("  persist (records encoded)", 26) + pad(String(p), 12, right: true) + "  + disk.write per persist") }
        }
        let flat = CPUModel()
        print("unmeasured kinds, and runs with --cpu-per-message: \(flat.perMessage.nanoseconds) ns to handle, \(flat.perSend.nanoseconds) ns to send")
    }

    func printNetwork(_ n: CostProfile.Network) {
        print("\nloopback transport (the tcp shell's framing and event loops, ping-pong of \(roundTrips) round trips)")
        print("  round trip p50 \(n.roundTripP50) ns, p99 \(n.roundTripP99) ns")
        print("  as a simulated link: --link-latency \(n.oneWay)ns --jitter \(n.jitter)ns")
        print("  CPU per frame read or written, 64 in flight: \(n.perFrame) ns (added to every handled input and send)")
        if let perByte = n.perBytePicoseconds {
            print("  CPU per byte of a frame, each side: \(perByte) ps (4 KB frames against small ones; the reader is charged both sides')")
        }
        if let syscall = n.perSyscall, let wakeUp = n.perWakeUp, let work = n.frameWork {
            print("  taken apart: \(wakeUp) ns per wake-up of a sleeping event loop, \(syscall) ns per read, write or busy tick, \(work) ns per frame (validate charges them per tick)")
        } else {
            print("  not taken apart into syscalls and frame work (the ping-pong and 64 in flight did not separate)")
        }
        if let same = n.sameLoopOneWay, let jitter = n.sameLoopJitter {
            print("  both ends on one event loop: \(same) ns one way + up to \(jitter) ns (replicas sharing a loop; --shared-cpus)")
        }
    }

    /// Starts this command again with `library` preloaded (an allocator is chosen before the first
    /// malloc, so it cannot be switched in a running process).
    static func restart(preloading library: String) throws -> Never {
        guard let executable = ChildProcesses.currentExecutable() else { throw ExperimentError("--allocator: cannot find this executable to start it again") }
        setenv("LD_PRELOAD", library, 1)
        let argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
        execv(executable, argv)
        throw ExperimentError("--allocator: cannot start \(executable) again: errno \(errno)")
    }

    /// Fails before anything is measured if `path` cannot be written.
    func checkWritable(_ path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw ExperimentError("--save \(path): cannot write there")
        }
    }

    static var buildKind: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }

    static var machineDescription: String {
        var u = utsname()
        uname(&u)
        func field<T>(_ v: T) -> String { withUnsafeBytes(of: v) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) } }
        return "\(field(u.machine)), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(field(u.sysname)) \(field(u.release))"
    }

    /// Appending one journal record (a Raft entry of one put) and committing it, without and with
    /// fdatasync: the write is what `--cpu-per-persist` charges a persist, the sync what `--sync-latency`
    /// charges under `--sync fsync`. Percentiles rather than a mean: a disk's sync latency has a long tail.
    func calibrate(_ probe: DiskProbe) throws -> CostProfile.Disk {
        let written = try probe.measure(.none)
        let synced = try probe.measure(.fsync)
        let defaults = Durability()
        print("")
        print(pad("journal append on \(diskDirectory)", 56) + pad("p50 ns", 14, right: true) + pad("p99 ns", 14, right: true)
            + pad("model default ns", 18, right: true) + pad("samples", 10, right: true))
        let rows: [(String, DiskProbe.Figures, Int64)] = [
            ("one record, written (no sync)", written, CPUModel().perPersist.nanoseconds),
            ("one record, written and fdatasync'd", synced, defaults.syncLatency.nanoseconds),
        ]
        for (name, figures, modelDefault) in rows {
            print(pad(name, 56) + pad(String(figures.p50.wholeNanoseconds), 14, right: true)
                + pad(String(figures.p99.wholeNanoseconds), 14, right: true) + pad(String(modelDefault), 18, right: true)
                + pad(String(figures.samples), 10, right: true))
        }
        print("charge what was measured: consensus-bench run --cpu-per-persist \(written.p50.wholeNanoseconds)ns --sync fsync --sync-latency \(synced.p50.wholeNanoseconds)ns")
        var d = CostProfile.Disk()
        d.write = written.p50.wholeNanoseconds
        d.sync = synced.p50.wholeNanoseconds
        return d
    }

    /// Nanoseconds per call of `operation`: the median of five rounds of `seconds` / 5 each, calls in
    /// growing batches (the machine's other work moves a single mean by a fifth).
    func time(_ operation: () -> UInt64) -> Double {
        var sink: UInt64 = 0
        for _ in 0 ..< 16 { sink &+= operation() }  // warm up
        let clock = ContinuousClock()
        let budget = Duration.milliseconds(Int64(seconds * 1000 / 5))
        var means: [Double] = []
        for _ in 0 ..< 5 {
            var calls = 0
            var round = 16
            let start = clock.now
            repeat {
                for _ in 0 ..< round { sink &+= operation() }
                calls += round
                round = min(round * 2, 65_536)
            } while clock.now - start < budget
            means.append(Double((clock.now - start).wholeNanoseconds) / Double(calls))
        }
        if sink == 42 { print("", terminator: "") }  // keep the results alive
        return means.sorted()[2]
    }

    func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }
}
