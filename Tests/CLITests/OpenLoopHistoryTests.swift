import Crypto
import Foundation
import Testing

/// The simulator's open loop moved into the shell kit's client driver (one driver for every shell).
/// No baseline covers open loop (the CI baseline and the reference sweep are closed-loop), so this pins
/// one open-loop run's whole history: every arrival's invoke and completion time depends on the order
/// of the simulator's random draws and on the gap formula. It charges the flat CPU model of that time
/// (`--cpu-per-message 2us`, and nothing per persist), not the measured profile.
@Suite("open-loop arrivals")
struct OpenLoopHistoryTests {
    /// SHA-256 of history.jsonl as the binary before the shell kit (commit 0c52d36) wrote it for this run.
    static let historyBeforeTheKit = "38f468f0e464499d0c627b35a5feb1d4d8c9422fe774ea6219a68f1d792ebe6a"

    @Test("an open-loop simulated run writes, byte for byte, the history it wrote before the client driver was shared")
    func openLoopHistoryUnchanged() throws {
        let dir = CLIRunner.temporaryDirectory("open-loop-history")
        let outcome = try CLIRunner.run(["run", "--protocol", "raft", "--nodes", "3", "--clients", "8", "--rate", "4000",
                                         "--ops", "1000", "--seed", "11", "--cpu-per-message", "2us", "--cpu-per-persist", "0ns", "--history", "--out", dir])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let history = try #require(FileManager.default.contents(atPath: dir + "/history.jsonl"))
        let digest = SHA256.hash(data: history).map { String(format: "%02x", $0) }.joined()
        #expect(digest == Self.historyBeforeTheKit, "history.jsonl of the pinned open-loop run changed (\(history.count) bytes)")
    }
}
