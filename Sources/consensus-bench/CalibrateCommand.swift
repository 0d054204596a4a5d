import ArgumentParser
import Logging
import PBFT
import ShellKit
import Simulation

/// `consensus-bench calibrate`: times each cryptographic operation PBFT replicas perform on this
/// machine, and what a persist costs on the disk results go to, next to the cost model's defaults, and
/// prints the flags that would charge what it measured.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Time the MACs, signatures and digests PBFT replicas compute, and a journal append with and without fdatasync, for the simulator's cost model.")

    @Option(help: "Wall time to spend timing each operation, in seconds.")
    var seconds: Double = 0.25

    @Option(name: .customLong("disk-dir"), help: "A folder on the disk to time journal appends on (created if missing; the probe's file is deleted afterwards).")
    var diskDirectory = "results"

    func run() throws {
        guard seconds > 0, seconds <= 60 else { throw ValidationError("--seconds must be between 0 and 60") }
        let disk = DiskProbe(directory: diskDirectory, budget: .seconds(seconds), valueSize: 16)
        try disk.prepare()  // a folder that cannot be made fails before anything is timed
        #if DEBUG
        Logger(label: "consensus-bench.calibrate")
            .warning("a debug build: its figures are many times a release build's (swift run -c release consensus-bench calibrate)")
        #endif
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
        try calibrate(disk)
    }

    /// Appending one journal record (a Raft entry of one put) and committing it, without and with
    /// fdatasync: the write is what `--cpu-per-persist` charges a persist, the sync what `--sync-latency`
    /// charges under `--sync fsync`. Percentiles rather than a mean: a disk's sync latency has a long tail.
    func calibrate(_ probe: DiskProbe) throws {
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
    }

    /// Nanoseconds per call of `operation`: calls in growing rounds until `seconds` of wall time passed.
    func time(_ operation: () -> UInt64) -> Double {
        var sink: UInt64 = 0
        for _ in 0 ..< 16 { sink &+= operation() }  // warm up
        let clock = ContinuousClock()
        let budget = Duration.milliseconds(Int64(seconds * 1000))
        var calls = 0
        var round = 16
        let start = clock.now
        while clock.now - start < budget {
            for _ in 0 ..< round { sink &+= operation() }
            calls += round
            round = min(round * 2, 65_536)
        }
        let elapsed = clock.now - start
        if sink == 42 { print("", terminator: "") }  // keep the results alive
        return Double(elapsed.wholeNanoseconds) / Double(calls)
    }

    func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }
}
