/// One setting a protocol declares for its users: the flag (`--checkpoint-interval`, also the key in a
/// sweep file and a cluster file), the runs.csv column it fills, its default, and which values it takes.
/// Every surface handles options as text, as the user typed them; the protocol turns them into its
/// `Settings` (`BenchmarkedReplica.settings`) only after `problem` has accepted each.
public struct ProtocolOption: Sendable {
    public let flag: String
    public let column: String
    public let help: String
    public let defaultValue: String
    /// Why `value` cannot be this option's value (one line, naming the flag), or nil.
    public let problem: @Sendable (String) -> String?

    public init(flag: String, column: String, help: String, defaultValue: String, problem: @escaping @Sendable (String) -> String?) {
        self.flag = flag
        self.column = column
        self.help = help
        self.defaultValue = defaultValue
        self.problem = problem
    }

    /// An option whose values are an enumeration's raw values (`--auth mac|sig|none`).
    public static func choice<E: RawRepresentable & CaseIterable>(_ flag: String, column: String, help: String, default value: E) -> ProtocolOption
    where E.RawValue == String {
        let names = E.allCases.map(\.rawValue)
        let list = names.count == 2 ? names.joined(separator: " or ")
            : names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
        return ProtocolOption(flag: flag, column: column, help: "\(help) (\(names.joined(separator: ", ")))", defaultValue: value.rawValue) { text in
            names.contains(text) ? nil : "--\(flag) must be \(list) (got '\(text)')"
        }
    }

    /// An option whose values are integers no smaller than `minimum`.
    public static func integer(_ flag: String, column: String, help: String, minimum: Int, default value: Int) -> ProtocolOption {
        ProtocolOption(flag: flag, column: column, help: help, defaultValue: String(value)) { text in
            guard let n = Int(text) else { return "--\(flag) must be a whole number (got '\(text)')" }
            return n >= minimum ? nil : "--\(flag) must be at least \(minimum) (got \(n))"
        }
    }

    /// `--snapshot-interval`, declared alike by every protocol that compacts its log (Raft, Multi-Paxos),
    /// so one flag and one runs.csv column serve them all.
    public static func snapshotInterval(default value: Int) -> ProtocolOption {
        .integer("snapshot-interval", column: "snapshot_interval", help: "Raft, Multi-Paxos: applied entries (slots) between snapshots, 0 never",
                 minimum: 0, default: value)
    }
}

extension ProtocolOptionValues {
    /// The fault search's draw for a protocol that compacts its log: a run completes a few thousand
    /// operations, fewer than the default interval, so two seeds in three snapshot every 50 or 400
    /// entries and compaction, snapshot transfer and restarts from a snapshot all meet the faults.
    public static func compactionDraw(seed: UInt64) -> ProtocolOptionValues {
        switch seed % 3 {
        case 1: return ProtocolOptionValues(["snapshot-interval": "50"])
        case 2: return ProtocolOptionValues(["snapshot-interval": "400"])
        default: return ProtocolOptionValues()
        }
    }
}

/// Protocol options by flag, as text. A run's values may name options of other protocols too (a sweep's
/// `--auth none` applies to PBFT and is ignored by Raft): each protocol reads only its own, and takes its
/// declared default for one that is absent.
public struct ProtocolOptionValues: Sendable, Hashable, Codable {
    public var byFlag: [String: String]

    public init(_ byFlag: [String: String] = [:]) { self.byFlag = byFlag }

    public subscript(flag: String) -> String? {
        get { byFlag[flag] }
        set { byFlag[flag] = newValue }
    }

    /// The value of a choice option, or `value` when it is absent (or, never after validation, unknown).
    public func choice<E: RawRepresentable>(_ flag: String, default value: E) -> E where E.RawValue == String {
        byFlag[flag].flatMap(E.init(rawValue:)) ?? value
    }

    /// The value of an integer option, or `value` when it is absent.
    public func integer(_ flag: String, default value: Int) -> Int { byFlag[flag].flatMap { Int($0) } ?? value }

    public init(from decoder: any Decoder) throws { byFlag = try [String: String](from: decoder) }
    public func encode(to encoder: any Encoder) throws { try byFlag.encode(to: encoder) }
}

/// The settings every protocol shares (`--batch`, `--pipeline`).
public struct CommonSettings: Sendable, Equatable {
    /// Client requests per proposal (AppendEntries, accept, pre-prepare).
    public var batch: Int
    /// Proposals in flight; nil: the protocol's default for the batch size.
    public var pipeline: Int?

    public init(batch: Int = 1, pipeline: Int? = nil) {
        self.batch = batch
        self.pipeline = pipeline
    }
}

/// An analytic steady-state message count the messages plot draws dashed: `formula` is its label
/// ("2n²−n+1"), `who` the protocol (and variant) it belongs to, `options` the option values it holds
/// for. Protocols with the same formula share one curve.
public struct ExpectedCurve: Sendable {
    public var formula: String
    public var who: String
    public var dash: String
    public var options: ProtocolOptionValues

    public init(formula: String, who: String, dash: String, options: ProtocolOptionValues = ProtocolOptionValues()) {
        self.formula = formula
        self.who = who
        self.dash = dash
        self.options = options
    }
}

/// A protocol the suite can run from its command line, sweep files and node processes. Besides the
/// replica contract it declares what a user can set, how those settings become its `Settings`, and what
/// its steady state costs in messages. Adding a protocol to the suite is a module that conforms, and one
/// line in the harness's registry.
public protocol BenchmarkedReplica: Replica {
    /// The protocol's own options, in the order of their runs.csv columns.
    static var options: [ProtocolOption] { get }
    /// The settings for validated option values (absent ones take the declared defaults).
    static func settings(_ common: CommonSettings, _ options: ProtocolOptionValues) -> Settings
    /// Messages per client operation in the steady state: one request per operation, no batching, no
    /// faults, the leader or primary fixed. The tests hold simulated runs to it, the plots draw it.
    /// `n` is real so that the plot can draw the curve between cluster sizes.
    static func expectedMessagesPerOperation(replicas n: Double, options: ProtocolOptionValues) -> Double
    /// The dashed curves of `expectedMessagesPerOperation` the messages plot draws, one per variant.
    static var expectedCurves: [ExpectedCurve] { get }
    /// How many replicas may be Byzantine in `cluster`: f for a Byzantine-fault model, 0 otherwise.
    static func byzantineLimit(_ cluster: ClusterConfig) -> Int
    /// Why a Byzantine replica cannot do `behavior` in this protocol with these options (nil: it can),
    /// as a clause for an error line; the fault search draws only behaviours with none. Default:
    /// `split-auth` has no MAC vector to split, every other behaviour runs.
    static func behaviorProblem(_ behavior: ByzantineBehavior, _ options: ProtocolOptionValues) -> String?
    /// `settings` as a simulated run uses them (HotStuff shares one memo of checked signatures among a
    /// run's replicas). Default: unchanged.
    static func forSimulation(_ settings: Settings) -> Settings
    /// The options one seed of the fault search runs with, derived from the seed alone, so the search
    /// also covers mechanisms the defaults seldom reach in a short run (Raft: log compaction).
    /// Default: the declared defaults.
    static func faultSearchOptions(seed: UInt64) -> ProtocolOptionValues
}

extension BenchmarkedReplica {
    public static var options: [ProtocolOption] { [] }

    public static func byzantineLimit(_ cluster: ClusterConfig) -> Int {
        if case .byzantine = faultModel { return cluster.faultTolerance }
        return 0
    }

    public static func behaviorProblem(_ behavior: ByzantineBehavior, _ options: ProtocolOptionValues) -> String? {
        behavior == .splitAuth ? "\(protocolName) sends no MAC vector to split" : nil
    }

    public static func forSimulation(_ settings: Settings) -> Settings { settings }

    public static func faultSearchOptions(seed: UInt64) -> ProtocolOptionValues { ProtocolOptionValues() }
}
