// What one protocol adds to the common script language of `ClusterScript`: how to build its cluster
// from `cluster n=… key=value…`, the names of its timers, its one-line status, and verbs of its own
// (Raft's `campaign`). Messages render themselves (each protocol's `Message+Rendering.swift`).

import ConsensusCore

/// A command the script cannot carry out; printed as `error: …` in the output, so a script shows it.
public struct ScenarioError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public struct ScenarioDialect<R: Replica> where R.Message: CustomStringConvertible {
    /// What `becameLeader` counts in: `term`, `ballot`, `view`.
    public var epochName: String
    /// The timers `tick` can name, by name (`election`, `heartbeat`, `request`…).
    public var timers: [(name: String, id: TimerID)]
    /// Builds replica `id` of an `n`-replica cluster from the `cluster` command's other options; throws
    /// on an option it does not know (`requireAllRead`).
    public var makeReplicas: (_ n: Int, _ options: ScenarioOptions) throws -> (NodeID) -> R
    /// One replica's state in a line: role, term or view, commit and log (`status` prints one per replica).
    public var status: (R) -> String
    /// Verbs of this protocol: given the script and the command's arguments, they drive the cluster
    /// (every step they cause is printed as usual).
    public var verbs: [String: (ClusterScript<R>, [String]) throws -> Void]
    /// The keys a script's clients authenticate their requests with, given a replica of the cluster
    /// (its configuration and settings decide them); nil for protocols whose clients sign nothing.
    public var clientCredentials: ((R) -> (any ClientCredentials)?)?

    public init(epochName: String, timers: [(name: String, id: TimerID)],
                makeReplicas: @escaping (_ n: Int, _ options: ScenarioOptions) throws -> (NodeID) -> R,
                status: @escaping (R) -> String, verbs: [String: (ClusterScript<R>, [String]) throws -> Void] = [:],
                clientCredentials: ((R) -> (any ClientCredentials)?)? = nil) {
        self.epochName = epochName
        self.timers = timers
        self.makeReplicas = makeReplicas
        self.status = status
        self.verbs = verbs
        self.clientCredentials = clientCredentials
    }

    public func timerName(_ id: TimerID) -> String {
        timers.first { $0.id == id }?.name ?? "timer\(id.rawValue)"
    }
}
