import Foundation

/// A one-line progress bar on stderr: points done / total, the current point, elapsed time and ETA.
/// Silent when stderr is not a terminal, or with --quiet.
final class ProgressBar {
    let total: Int
    let enabled: Bool
    let started = Date()

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled
    }

    func update(done: Int, current: String) {
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(started)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let width = 24
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = "\r[\(bar)] \(done)/\(total)  \(current)  elapsed \(Int(elapsed))s  eta \(Int(eta.rounded()))s\u{1B}[K"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Clears the bar so a line printed to stdout does not land in the middle of it.
    func clearLine() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
