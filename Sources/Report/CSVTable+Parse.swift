// The strict CSV reader: RFC 4180 with LF or CRLF line ends, errors that name the line.

import Foundation

extension CSVTable {
    /// Parses CSV text: the first record is the header, every other record is a row.
    ///
    /// Strict on purpose, since these files are read back by programs: every row must have the
    /// header's field count; a quote may only open a field and, closed, must be followed by a
    /// comma or a line end; a quoted field may span lines; header names must be non-empty and
    /// unique. A final line end is optional; a UTF-8 byte-order mark is skipped.
    /// Errors carry the 1-based line where the offending record starts.
    public static func parse(_ text: String) throws(CSVError) -> CSVTable {
        var parser = CSVParser(bytes: Array(text.utf8))
        guard let headerRecord = try parser.nextRecord() else {
            throw CSVError(line: 1, reason: "empty file: expected a header line")
        }
        let header = headerRecord.fields
        var seen = Set<String>()
        for (position, name) in header.enumerated() {
            if name.isEmpty {
                throw CSVError(line: headerRecord.line, reason: "header column \(position + 1) has no name")
            }
            if !seen.insert(name).inserted {
                throw CSVError(line: headerRecord.line, reason: "header names column '\(name)' twice")
            }
        }
        var rows: [[String]] = []
        var lines: [Int] = []
        while let record = try parser.nextRecord() {
            guard record.fields.count == header.count else {
                let found = record.fields.count == 1 && record.fields[0].isEmpty
                    ? "row is empty" : "row has \(record.fields.count) fields"
                throw CSVError(line: record.line, reason: "\(found), the header has \(header.count)")
            }
            rows.append(record.fields)
            lines.append(record.line)
        }
        var table = CSVTable(header: header, rows: rows)
        table.rowLines = lines
        return table
    }

    /// Reads and parses a CSV file; errors name the file by the path given, so that of two
    /// runs.csv files (compare BASE NEW) the message says which one.
    public static func load(path: String) throws -> CSVTable {
        let name = path
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ReportError("cannot read \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ReportError("\(name): not UTF-8 text")
        }
        do {
            return try parse(text)
        } catch {
            var named = error
            named.file = name
            throw named
        }
    }
}

/// A one-line error from the report module (missing file, missing column, bad value).
public struct ReportError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A byte-level state machine over UTF-8; it only splits on ASCII bytes, so multi-byte
/// characters pass through untouched.
private struct CSVParser {
    let bytes: [UInt8]
    var position = 0
    var line = 1

    init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    struct Record {
        var line: Int
        var fields: [String]
    }

    private static let comma = UInt8(ascii: ",")
    private static let quote = UInt8(ascii: "\"")
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    /// The next record, or nil at the end of the text.
    mutating func nextRecord() throws(CSVError) -> Record? {
        guard position < bytes.count else { return nil }
        let startLine = line
        var fields: [String] = []
        while true {
            let (field, terminator) = try nextField(recordLine: startLine)
            fields.append(field)
            if terminator != Self.comma { break }
        }
        return Record(line: startLine, fields: fields)
    }

    /// Reads one field and consumes its terminator: a comma, a line end (returned as LF) or the
    /// end of the text (returned as LF too).
    private mutating func nextField(recordLine: Int) throws(CSVError) -> (String, UInt8) {
        if position < bytes.count && bytes[position] == Self.quote {
            return try quotedField(recordLine: recordLine)
        }
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case Self.comma:
                let field = String(decoding: bytes[start..<position], as: UTF8.self)
                position += 1
                return (field, Self.comma)
            case Self.lf:
                let field = String(decoding: bytes[start..<position], as: UTF8.self)
                position += 1
                line += 1
                return (field, Self.lf)
            case Self.cr:
                let field = String(decoding: bytes[start..<position], as: UTF8.self)
                try consumeCRLF()
                return (field, Self.lf)
            case Self.quote:
                throw CSVError(line: line, reason: "a double quote inside an unquoted field (quote the whole field and double the quote)")
            default:
                position += 1
            }
        }
        return (String(decoding: bytes[start..<position], as: UTF8.self), Self.lf)
    }

    private mutating func quotedField(recordLine: Int) throws(CSVError) -> (String, UInt8) {
        let openingLine = line
        position += 1  // the opening quote
        var content: [UInt8] = []
        while true {
            guard position < bytes.count else {
                throw CSVError(line: openingLine, reason: "a quoted field is never closed")
            }
            let byte = bytes[position]
            if byte == Self.quote {
                if position + 1 < bytes.count && bytes[position + 1] == Self.quote {
                    content.append(Self.quote)
                    position += 2
                    continue
                }
                position += 1  // the closing quote
                break
            }
            if byte == Self.lf { line += 1 }
            content.append(byte)
            position += 1
        }
        let field = String(decoding: content, as: UTF8.self)
        guard position < bytes.count else { return (field, Self.lf) }
        switch bytes[position] {
        case Self.comma:
            position += 1
            return (field, Self.comma)
        case Self.lf:
            position += 1
            line += 1
            return (field, Self.lf)
        case Self.cr:
            try consumeCRLF()
            return (field, Self.lf)
        default:
            throw CSVError(line: line, reason: "text after a closing quote (expected a comma or the end of the line)")
        }
    }

    private mutating func consumeCRLF() throws(CSVError) {
        guard position + 1 < bytes.count, bytes[position + 1] == Self.lf else {
            throw CSVError(line: line, reason: "a carriage return that does not end the line")
        }
        position += 2
        line += 1
    }
}
