import ConsensusCore

/// The simulated network, per link (TigerBeetle's packet simulator keeps faults as plain options too).
/// One-way delay is `latency` plus a uniform jitter in `[0, jitter]`, plus the time to put the frame
/// on a link of `bandwidthBytesPerSecond` behind whatever that link is already carrying.
public struct NetworkModel: Sendable, Equatable {
    public var latency: Interval = .microseconds(200)
    public var jitter: Interval = .microseconds(20)
    /// Per directed link. 1.25e9 B/s is 10 Gbit/s.
    public var bandwidthBytesPerSecond: Double = 1.25e9
    public var lossProbability: Double = 0
    public var duplicateProbability: Double = 0
    /// Probability that a message is held back by up to `reorderDelay`, so later ones overtake it.
    public var reorderProbability: Double = 0
    public var reorderDelay: Interval = .milliseconds(2)
    /// With `SimulationOptions.sharedCPUs`: the one-way delay and jitter between two replicas on the
    /// same CPU (on the tcp shell, the same event loop: no thread has to be woken). Nil: `latency`.
    public var sameCPULatency: Interval?
    public var sameCPUJitter: Interval?
    /// When true, client requests and replies are lost and duplicated with the same probabilities as
    /// the replicas' links; when false (the default) the clients' links lose nothing. `Fault.cutClients`
    /// cuts them either way.
    public var clientTrafficFaults = false
    /// Extra delay on everything a `slow` Byzantine replica sends.
    public var slowDelay: Interval = .milliseconds(50)

    public init() {}
}

/// The CPU cost model: a replica handles one input at a time, and handling costs time, so a busy
/// replica queues its inbox and that shows in latency and throughput. Crypto costs default to what
/// `consensus-bench calibrate` measured on this project's machine (see the README's calibration section).
public struct CPUModel: Sendable, Equatable {
    /// Handling one incoming message or client request, where `handling` has no figure for its kind.
    public var perMessage: Interval = .microseconds(2)
    /// Serialising one outgoing message, where `sending` has no figure for its kind.
    public var perSend: Interval = .nanoseconds(500)
    /// Measured costs by message kind name (a cost profile's table for one protocol): decoding and
    /// handling one input, crypto excluded, with `request` for a client request; encoding one message
    /// for one destination, with `reply` for a client reply. Empty: the flat `perMessage` / `perSend`.
    public var handling: [String: Interval] = [:]
    public var sending: [String: Interval] = [:]
    /// Per byte received or sent, in picoseconds (500 ps = 2 GB/s of (de)serialisation).
    public var perBytePicoseconds: Int64 = 500
    /// The crypto costs: `consensus-bench calibrate` on the project's machine (release build), the MAC as
    /// the replicas compute it (HMAC-SHA256 with the key's pads absorbed).
    public var perMAC: Interval = .nanoseconds(100)
    public var perSignature: Interval = .microseconds(14)
    public var perSignatureVerify: Interval = .microseconds(66)
    public var perDigest: Interval = .nanoseconds(220)
    /// Writing one persist's journal records (the write, not its sync: `--sync-latency` is that):
    /// `consensus-bench calibrate`'s p50 for appending and writing one record on the project's machine.
    public var perPersist: Interval = .nanoseconds(940)

    public init() {}

    /// The zero model: replicas handle everything instantly (pure message-count studies).
    public static var free: CPUModel {
        var m = CPUModel()
        m.perMessage = .zero; m.perSend = .zero; m.perBytePicoseconds = 0
        m.perMAC = .zero; m.perSignature = .zero; m.perSignatureVerify = .zero; m.perDigest = .zero
        m.perPersist = .zero
        return m
    }

    /// Nanoseconds per kind, indexed as messages.csv's kinds are (the protocol's kinds, then `request`
    /// and `reply`): what `handling` or the flat cost gives each. Resolved once, when a simulator starts.
    func handlingCosts(kindNames: [String]) -> [Int64] {
        kindNames.map { (handling[$0] ?? perMessage).nanoseconds }
    }
    func sendingCosts(kindNames: [String]) -> [Int64] {
        kindNames.map { (sending[$0] ?? perSend).nanoseconds }
    }

    public func cost(of work: CryptoWork) -> Int64 {
        Int64(work.macsComputed + work.macsVerified) * perMAC.nanoseconds
            + Int64(work.signaturesMade) * perSignature.nanoseconds
            + Int64(work.signaturesVerified) * perSignatureVerify.nanoseconds
            + Int64(work.digestsComputed) * perDigest.nanoseconds
    }
}
