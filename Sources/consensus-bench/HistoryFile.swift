import Checker
import Foundation
import Harness

/// history.jsonl: one JSON object per client operation (the format is in the README and in
/// `Checker/History.swift`).
enum HistoryFile {
    static func write(_ result: RunResult, to path: String) throws {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(result.history.count * 120)
        for op in HistoryCheck.history(result.history) { History.appendLine(op, to: &buffer) }
        guard FileManager.default.createFile(atPath: path, contents: Data(buffer)) else {
            throw ExperimentError("cannot write '\(path)'")
        }
    }
}
