// One-line renderings of client commands, requests and replies, for scenario scripts and logs
// (`c3#1 put k5=v77`). Deliberately not `description`: other output interpolates these types.

extension Command {
    /// `get k5`, `put k5=v77`, `cas k5 v1→v2` (`∅`: absent), `no-op`.
    public var notation: String {
        switch self {
        case .get(let k): return "get \(k)"
        case .put(let k, let v): return "put \(k)=\(v)"
        case .cas(let k, let expected, let new): return "cas \(k) \(expected.map { "\($0)" } ?? "∅")→\(new)"
        case .noop: return "no-op"
        }
    }
}

extension ClientRequest {
    /// `c3#1 put k5=v77`: the session, its sequence number, the command. A protocol's own no-op
    /// (Raft's term no-op, PBFT's null request) is just `no-op`.
    public var notation: String {
        if case .noop = command { return "no-op" }
        return "c\(client.rawValue)#\(sequence) \(command.notation)"
    }
}

extension CommandResult {
    /// `v77`, `nil` (absent, or a put's result), `swapped prev=v1`, `kept prev=v2`, `none`.
    public var notation: String {
        switch self {
        case .value(let v): return v.map { "\($0)" } ?? "nil"
        case .swapped(let done, let previous): return "\(done ? "swapped" : "kept") prev=\(previous.map { "\($0)" } ?? "∅")"
        case .none: return "none"
        }
    }
}

extension ClientReply {
    /// `#1 executed v77`, `#1 redirect hint=2`, `#1 redirect hint=none`.
    public var notation: String {
        switch outcome {
        case .executed(let result): return "#\(sequence) executed \(result.notation)"
        case .redirect(let hint): return "#\(sequence) redirect hint=\(hint.map { "\($0.rawValue)" } ?? "none")"
        }
    }
}
