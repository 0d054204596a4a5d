import Loopback

/// Where the real shells (`--shell tcp` and `--shell process`) listen and how many event-loop threads
/// they run: the `run` and `sweep` flags `--bind`, `--tcp-threads` and `--tcp-generator-threads`. A
/// field left nil falls back to its environment variable (`CONSENSUS_BENCH_TCP_BIND`,
/// `CONSENSUS_BENCH_TCP_THREADS`, `CONSENSUS_BENCH_TCP_GENERATOR_THREADS`), then to `Loopback.Options`'
/// default. The simulator ignores all of it.
public struct TransportLayout: Sendable, Equatable {
    /// Address every listener binds (127.0.0.1 by default; 0.0.0.0 or :: for every interface).
    public var bindHost: String?
    /// Event-loop threads shared by the replicas of `--shell tcp` (replica i on loop i mod threads).
    /// A node process of `--shell process` always runs its one replica on one thread.
    public var threads: Int?
    /// Event-loop threads of the load generator; 0 puts it on one of the replicas' loops (with
    /// `--shell process`, on the parent's one loop).
    public var generatorThreads: Int?

    public init(bindHost: String? = nil, threads: Int? = nil, generatorThreads: Int? = nil) {
        self.bindHost = bindHost
        self.threads = threads
        self.generatorThreads = generatorThreads
    }

    public var isDefault: Bool { self == TransportLayout() }

    /// Why these values cannot be used (one line), or nil.
    public var problem: String? {
        if let t = threads, t < 1 { return "--tcp-threads must be at least 1 (got \(t))" }
        if let g = generatorThreads, g < 0 { return "--tcp-generator-threads must be 0 or more (got \(g))" }
        if let t = threads, t > 256 { return "--tcp-threads must be at most 256 (got \(t))" }
        if let g = generatorThreads, g > 256 { return "--tcp-generator-threads must be at most 256 (got \(g))" }
        if let b = bindHost, b.isEmpty { return "--bind needs an address (examples: 127.0.0.1, 0.0.0.0, ::1)" }
        return nil
    }
}

extension Loopback.Options {
    /// The environment's layout, then `layout`'s fields over it; throws one line if the bind address
    /// does not resolve or is not this machine's (checked before any event loop or process is made).
    mutating func apply(_ layout: TransportLayout) throws {
        applyEnvironment()
        if let b = layout.bindHost { bindHost = b }
        if let t = layout.threads { threads = t }
        if let g = layout.generatorThreads { generatorThreads = g }
        if let problem = Loopback.bindProblem(bindHost) {
            throw ExperimentError("bind address '\(bindHost)' \(problem) (examples: 127.0.0.1, 0.0.0.0, ::1)")
        }
    }
}
