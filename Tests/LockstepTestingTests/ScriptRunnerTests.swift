import Foundation
import LockstepTesting
import Testing

/// The script format and its runner, on a toy interpreter (`echo` prints its words one per line), so
/// the rules hold whatever protocol a script drives.
@Suite("Scenario scripts: format, diff and rewrite")
struct ScriptRunnerTests {
    static let text = """
        # A comment stays where it is.
        echo a b
        ----
        a
        b

        echo c
        ----
        c
        """ + "\n"

    static func echo(_ command: String) -> [String] { command.split(separator: " ").dropFirst().map(String.init) }

    @Test("a script whose outputs match passes")
    func matchingScriptPasses() throws {
        let report = ScriptRunner.run(try Script(name: "echo.txt", text: Self.text), execute: Self.echo)
        #expect(report.passed, "\(report)")
    }

    @Test("a changed expected line fails with a diff naming the script, the line and the command")
    func changedLineFails() throws {
        let changed = Self.text.replacingOccurrences(of: "\nb\n", with: "\nB\n")
        let report = ScriptRunner.run(try Script(name: "echo.txt", text: changed), execute: Self.echo)
        #expect(!report.passed)
        #expect(report.mismatches.map(\.line) == [2])
        let lines = "\(report)".split(separator: "\n").map(String.init)
        #expect(lines.contains("echo.txt:2: echo a b"))
        #expect(lines.contains("      a"))
        #expect(lines.contains("    - B"))
        #expect(lines.contains("    + b"))
        #expect(lines.first?.contains("CONSENSUS_BENCH_REWRITE=1") == true, "the message says how to accept the change")
    }

    @Test("rewrite mode replaces only the outputs, keeping comments and blank lines")
    func rewriteKeepsTheRest() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("script-\(getpid()).txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stale = Self.text.replacingOccurrences(of: "\nc\n", with: "\nold\nlines\n")
        try stale.write(toFile: path, atomically: true, encoding: .utf8)
        let report = try ScriptRunner.run(file: path, rewrite: true, execute: Self.echo)
        #expect(report.passed)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == Self.text)
        // Checking (not rewriting) the rewritten file passes.
        #expect(try ScriptRunner.run(file: path, rewrite: false, execute: Self.echo).passed)
    }

    @Test("a command with no output prints ok, and a command without ---- is an error naming its line")
    func emptyOutputAndMissingSeparator() throws {
        let report = ScriptRunner.run(try Script(name: "x.txt", text: "echo\n----\nok\n"), execute: Self.echo)
        #expect(report.passed, "\(report)")
        #expect(throws: ScriptError(name: "x.txt", line: 4, message: "`echo b` must be followed by a line `----`")) {
            try Script(name: "x.txt", text: "echo a\n----\n\necho b\nb\n")
        }
    }

    @Test("the line diff keeps shared lines and marks the changed ones")
    func lineDiffMarksChanges() {
        #expect(lineDiff(expected: ["a", "b", "c"], actual: ["a", "x", "c", "d"]) == ["  a", "- b", "+ x", "  c", "+ d"])
    }
}
