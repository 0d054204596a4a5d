/// A problem with what the user asked for: always one line, shown as is, exit status non-zero.
public struct ExperimentError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
