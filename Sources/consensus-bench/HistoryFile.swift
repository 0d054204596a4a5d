import Foundation
import Harness

/// history.jsonl (filled in when the Checker module's writer lands).
enum HistoryFile {
    static func write(_ result: RunResult, to path: String) throws {
        throw ExperimentError("--history is not available yet in this build")
    }
}
