// The `key=value` words of a script command (`cluster n=3 prevote=off`, Raft's `disk 2 term=3`), read
// by type. Each read consumes its key, so a word nobody read (a typo) is an error, not a silent default.

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
}
