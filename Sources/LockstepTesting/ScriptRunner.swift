// Runs a scenario script: each command's output is compared with the expected lines under it. A
// mismatch names the script, the line and the command, and shows a line diff; the remaining commands
// still run (a scenario's state carries on), so one run reports every changed step.
//
// Rewrite mode (`CONSENSUS_BENCH_REWRITE=1 swift test --filter Scenario`) writes the actual outputs
// back into the file instead of failing: the way to accept an intended change, reviewed as a diff.

import Foundation

/// The outcome of one script run.
public struct ScriptReport: Sendable, CustomStringConvertible {
    /// One command whose output differs from what the script expects.
    public struct Mismatch: Sendable {
        public var line: Int
        public var command: String
        public var expected: [String]
        public var actual: [String]
    }

    public var script: Script
    public var outputs: [[String]]
    public var mismatches: [Mismatch]

    public var passed: Bool { mismatches.isEmpty }

    /// Every mismatch, each as `name:line: command`, then its diff (`-` expected, `+` actual).
    public var description: String {
        if passed { return "\(script.name): \(script.blocks.count) commands, all as expected" }
        var lines = ["\(script.name): \(mismatches.count) of \(script.blocks.count) commands printed something else "
            + "(rerun with \(ScriptRunner.rewriteVariable)=1 to accept the new output)"]
        for m in mismatches {
            lines.append("\(script.name):\(m.line): \(m.command)")
            lines += lineDiff(expected: m.expected, actual: m.actual).map { "    " + $0 }
        }
        return lines.joined(separator: "\n")
    }
}

public enum ScriptRunner {
    /// Set (to anything but `0`) to rewrite the scripts' expected outputs instead of checking them.
    public static let rewriteVariable = "CONSENSUS_BENCH_REWRITE"

    public static var rewriting: Bool {
        guard let v = ProcessInfo.processInfo.environment[rewriteVariable] else { return false }
        return !v.isEmpty && v != "0"
    }

    /// Runs every command of `script` through `execute` and compares the outputs.
    public static func run(_ script: Script, execute: (String) -> [String]) -> ScriptReport {
        var outputs: [[String]] = []
        var mismatches: [ScriptReport.Mismatch] = []
        for block in script.blocks {
            var actual = execute(block.command)
            if actual.isEmpty { actual = ["ok"] }
            // A blank line would end the block when read back: keep the output one block.
            actual = actual.map { $0.trimmingCharacters(in: .whitespaces).isEmpty ? "." : $0 }
            outputs.append(actual)
            if actual != block.expected {
                mismatches.append(.init(line: block.line, command: block.command, expected: block.expected, actual: actual))
            }
        }
        return ScriptReport(script: script, outputs: outputs, mismatches: mismatches)
    }

    /// Reads the script at `path`, runs it, and in rewrite mode writes the actual outputs back (the
    /// report then counts as passed). A script that cannot be read or parsed throws.
    public static func run(file path: String, rewrite: Bool = rewriting, execute: (String) -> [String]) throws -> ScriptReport {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        // Named relative to the working directory (the package root under `swift test`), as editors link it.
        let here = FileManager.default.currentDirectoryPath + "/"
        let script = try Script(name: path.hasPrefix(here) ? String(path.dropFirst(here.count)) : path, text: text)
        var report = run(script, execute: execute)
        if rewrite {
            let updated = script.text(withOutputs: report.outputs)
            if updated != text { try updated.write(toFile: path, atomically: true, encoding: .utf8) }
            report.mismatches = []
        }
        return report
    }

    /// The `.txt` scripts in `directory`, sorted by name.
    public static func scripts(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".txt") }.sorted()
    }
}

extension ScriptRunner {
    /// The folder `testdata` beside the test file at `filePath` (pass `#filePath`), and its scripts.
    public static func testdata(beside filePath: String) -> (directory: String, scripts: [String]) {
        let directory = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("testdata").path
        return (directory, scripts(in: directory))
    }

    /// Runs script `file` of `directory` on a fresh cluster script in `dialect` (rewriting it in rewrite mode).
    public static func run<R>(_ file: String, in directory: String, dialect: ScenarioDialect<R>) throws -> ScriptReport {
        try run(file: directory + "/" + file, execute: ClusterScript(dialect).execute)
    }
}
