import ShellKit

/// A problem with what the user asked for: always one line, shown as is, exit status non-zero.
public struct ExperimentError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension Durability {
    /// `--sync` and `--crash-kind` as typed, or one line naming the flag and its values.
    public init(sync: String, crashKind: String) throws {
        self.init()
        guard let policy = SyncPolicy(rawValue: sync) else {
            throw ExperimentError("--sync must be one of \(SyncPolicy.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(sync)')")
        }
        guard let kind = CrashKind(rawValue: crashKind) else {
            throw ExperimentError("--crash-kind must be one of \(CrashKind.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(crashKind)')")
        }
        self.sync = policy
        self.crashKind = kind
    }
}
