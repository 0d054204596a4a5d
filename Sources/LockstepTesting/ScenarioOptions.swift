// The `key=value` words of a script command (`cluster n=3 prevote=off`, Raft's `disk 2 term=3`), read
// by type. Each read consumes its key, so a word nobody read (a typo) is an error, not a silent default.

import ConsensusCore

public struct ScenarioOptions {
    private var values: [String: String] = [:]

    /// Parses `key=value` words; anything else is an error.
    public init(_ words: some Sequence<String>) throws {
        for word in words {
            let kv = word.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw ScenarioError("`\(word)` is not option=value") }
            values[kv[0]] = kv[1]
        }
    }

    /// The text of `key`, if given.
    public mutating func text(_ key: String) -> String? {
        values.removeValue(forKey: key)
    }

    /// `key=on|off` (or `true|false`), if given.
    public mutating func flag(_ key: String) throws -> Bool? {
        guard let v = text(key) else { return nil }
        switch v {
        case "on", "true": return true
        case "off", "false": return false
        default: throw ScenarioError("\(key) is on or off (got `\(v)`)")
        }
    }

    /// `key=<number ≥ minimum>`, if given.
    public mutating func number(_ key: String, minimum: Int = 0) throws -> Int? {
        guard let v = text(key) else { return nil }
        guard let n = Int(v), n >= minimum else { throw ScenarioError("\(key) needs a number ≥ \(minimum) (got `\(v)`)") }
        return n
    }

    /// `key=1,2,3`, if given (`none`: empty).
    public mutating func numbers(_ key: String) throws -> [Int]? {
        guard let v = text(key) else { return nil }
        if v == "none" { return [] }
        return try v.split(separator: ",").map { part in
            guard let n = Int(part), n >= 0 else { throw ScenarioError("\(key) needs numbers like 1,2 (got `\(v)`)") }
            return n
        }
    }

    /// Throws if a key was given that nobody read: `what` does not know it.
    public func requireAllRead(by what: String) throws {
        if let key = values.keys.sorted().first { throw ScenarioError("\(what) has no option `\(key)`") }
    }

    /// The last read of a `cluster` command: `seed=` (default 42), then every option must have been
    /// read (`R.protocolName` knows no other), then replicas of `R` with `settings` for a cluster of
    /// `n` tolerating as many faults as the protocol's own n/f rule allows, each with its own generator
    /// derived from the seed and its id.
    public mutating func seededReplicas<R: Replica>(_ type: R.Type, n: Int, settings: R.Settings) throws -> (NodeID) -> R {
        let seed = UInt64(try number("seed") ?? 42)
        try requireAllRead(by: R.protocolName)
        let cluster = ClusterConfig(replicaCount: n, faultTolerance: R.maximumFaults(replicaCount: n))
        return { id in R(id: id, cluster: cluster, settings: settings, random: DeterministicRandom(seed: seed &+ UInt64(id.index))) }
    }
}
