// A scenario script in the style of etcd-io/raft's `testdata/*.txt` (cockroachdb/datadriven): each
// command is one line, followed by `----` and the output it must print, up to a blank line. Lines
// starting with `#` are comments. The file is its own expected output, so a reader sees what the
// protocol did without running anything, and a rewrite regenerates the outputs in place.
//
//     # A candidate that wins a majority becomes leader.
//     campaign 0
//     ----
//     0 election timer fires
//       0→* PreVote term=1 last=0/0
//
// Outputs never contain blank lines (a command with nothing to say prints `ok`).

import Foundation

/// A parsed script: its commands with their expected output, and the text around them (comments,
/// blank lines) kept verbatim so a rewrite changes only the outputs.
public struct Script: Sendable, Equatable {
    /// One command and what it must print.
    public struct Block: Sendable, Equatable {
        /// 1-based line of the command in the file.
        public var line: Int
        public var command: String
        public var expected: [String]
    }

    enum Part: Sendable, Equatable {
        case verbatim(String)
        case block(Int)
    }

    /// Where the script came from (a path), for messages.
    public var name: String
    public private(set) var blocks: [Block] = []
    var parts: [Part] = []

    public static let separator = "----"

    /// Parses `text`. A command without `----` after it is an error, reported with its line.
    public init(name: String, text: String) throws(ScriptError) {
        self.name = name
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        var i = 0
        while i < lines.count {
            let line = lines[i]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") {
                parts.append(.verbatim(line))
                i += 1
                continue
            }
            guard i + 1 < lines.count, lines[i + 1] == Self.separator else {
                throw ScriptError(name: name, line: i + 1, message: "`\(trimmed)` must be followed by a line `\(Self.separator)`")
            }
            var expected: [String] = []
            var j = i + 2
            while j < lines.count, !lines[j].trimmingCharacters(in: .whitespaces).isEmpty {
                expected.append(lines[j])
                j += 1
            }
            parts.append(.block(blocks.count))
            blocks.append(Block(line: i + 1, command: trimmed, expected: expected))
            i = j
        }
    }

    /// The script's text with each block's expected output replaced by `outputs[k]`.
    public func text(withOutputs outputs: [[String]]) -> String {
        precondition(outputs.count == blocks.count, "\(outputs.count) outputs for \(blocks.count) commands")
        var lines: [String] = []
        for part in parts {
            switch part {
            case .verbatim(let line):
                lines.append(line)
            case .block(let k):
                lines.append(blocks[k].command)
                lines.append(Self.separator)
                lines.append(contentsOf: outputs[k])
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A script that cannot be parsed.
public struct ScriptError: Error, Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var line: Int
    public var message: String
    public var description: String { "\(name):\(line): \(message)" }

    public init(name: String, line: Int, message: String) {
        self.name = name
        self.line = line
        self.message = message
    }
}
