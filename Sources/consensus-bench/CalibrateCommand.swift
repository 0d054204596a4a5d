import ArgumentParser
import Logging
import PBFT
import Simulation

/// `consensus-bench calibrate`: times each cryptographic operation PBFT replicas perform on this
/// machine, next to the cost model's defaults, and prints the flags that would charge what it measured.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Time the MACs, signatures and digests PBFT replicas compute, for the simulator's CPU cost model.")

    @Option(help: "Wall time to spend timing each operation, in seconds.")
    var seconds: Double = 0.25

    func run() throws {
        guard seconds > 0, seconds <= 60 else { throw ValidationError("--seconds must be between 0 and 60") }
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
        let (s, attoseconds) = elapsed.components
        return (Double(s) * 1e9 + Double(attoseconds) / 1e9) / Double(calls)
    }

    func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }
}
