import ConsensusCore
import ShellKit

/// Parses the fault flags users write: `--crash leader@2s`, `--crash 3@2s`, `--restart 3@4s`,
/// `--partition 0,1|2,3,4@2s`, `--heal 4s`, `--byzantine 2:silent` or `2:equivocate@1s`.
/// Times count from the start of the run (replicas start at zero; the window opens after the warm-up).
public enum FaultParsing {
    public static func crash(_ text: String) throws -> ScheduledFault {
        let (what, at) = try split(text, flag: "--crash", example: "leader@2s or 3@2s")
        return ScheduledFault(at: at, .crash(try target(what, flag: "--crash")))
    }

    public static func restart(_ text: String) throws -> ScheduledFault {
        let (what, at) = try split(text, flag: "--restart", example: "3@4s")
        return ScheduledFault(at: at, .restart(try target(what, flag: "--restart")))
    }

    public static func partition(_ text: String) throws -> ScheduledFault {
        let (what, at) = try split(text, flag: "--partition", example: "0,1|2,3,4@2s")
        var groups: [[NodeID]] = []
        for part in what.split(separator: "|", omittingEmptySubsequences: false) {
            var group: [NodeID] = []
            for item in part.split(separator: ",") {
                guard let n = Int(item), n >= 0 else {
                    throw ExperimentError("--partition '\(text)': '\(item)' is not a replica number (example: 0,1|2,3,4@2s)")
                }
                group.append(NodeID(n))
            }
            guard !group.isEmpty else { throw ExperimentError("--partition '\(text)': empty group (example: 0,1|2,3,4@2s)") }
            groups.append(group)
        }
        guard groups.count >= 2 else { throw ExperimentError("--partition '\(text)' needs at least two groups separated by '|'") }
        return ScheduledFault(at: at, .partition(groups))
    }

    public static func heal(_ text: String) throws -> ScheduledFault {
        let t = text.hasPrefix("@") ? String(text.dropFirst()) : text
        guard let at = Interval(parsing: t) else { throw ExperimentError("--heal '\(text)' is not a time (example: 4s)") }
        return ScheduledFault(at: .zero + at, .heal)
    }

    public static func byzantine(_ text: String) throws -> ScheduledFault {
        var body = Substring(text)
        var at = Instant.zero
        if let sign = text.lastIndex(of: "@") {
            body = text[..<sign]
            guard let t = Interval(parsing: String(text[text.index(after: sign)...])) else {
                throw ExperimentError("--byzantine '\(text)': bad time (example: 2:silent@1s)")
            }
            at = .zero + t
        }
        let parts = body.split(separator: ":")
        let kinds = ByzantineBehavior.allCases.map(\.rawValue).joined(separator: "|")
        guard parts.count == 2, let node = Int(parts[0]), node >= 0 else {
            throw ExperimentError("--byzantine '\(text)' must look like REPLICA:\(kinds) (example: 2:silent)")
        }
        guard let behavior = ByzantineBehavior(rawValue: String(parts[1])) else {
            throw ExperimentError("--byzantine '\(text)': unknown behaviour '\(parts[1])' (known: \(kinds))")
        }
        return ScheduledFault(at: at, .byzantine(NodeID(node), behavior))
    }

    static func split(_ text: String, flag: String, example: String) throws -> (Substring, Instant) {
        guard let sign = text.lastIndex(of: "@") else {
            throw ExperimentError("\(flag) '\(text)' needs a time after '@' (example: \(example))")
        }
        guard let at = Interval(parsing: String(text[text.index(after: sign)...])) else {
            throw ExperimentError("\(flag) '\(text)': bad time (example: \(example))")
        }
        return (text[..<sign], .zero + at)
    }

    static func target(_ what: Substring, flag: String) throws -> Fault.Target {
        if what == "leader" || what == "primary" { return .leader }
        guard let n = Int(what), n >= 0 else { throw ExperimentError("\(flag): '\(what)' is neither 'leader' nor a replica number") }
        return .node(NodeID(n))
    }
}
