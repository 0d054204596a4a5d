import Foundation

// MARK: - Reading history files

extension History {
    /// Why a history could not be read: the file, or the first malformed line.
    public struct ReadError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The file, when reading one.
        public var path: String?
        /// 1-based line number of the malformed line; 0 when the file itself could not be read.
        public var line: Int
        public var message: String

        public init(path: String? = nil, line: Int, message: String) {
            self.path = path
            self.line = line
            self.message = message
        }

        /// `history.jsonl:12: missing field "status"` (the compiler's style, so editors can jump to it).
        public var description: String {
            switch (path, line) {
            case (let path?, 0): return "\(path): \(message)"
            case (let path?, _): return "\(path):\(line): \(message)"
            case (nil, _): return "line \(line): \(message)"
            }
        }
    }

    /// Reads a history file (format in `History`'s documentation).
    /// Throws `ReadError` for an unreadable file or the first malformed line.
    public static func read(contentsOf path: String) throws(ReadError) -> [Operation] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ReadError(path: path, line: 0, message: "cannot read: \(error.localizedDescription)")
        }
        let parsed = data.withUnsafeBytes { raw in
            Result { () throws(ReadError) in try parse(bytes: raw.bindMemory(to: UInt8.self)) }
        }
        do {
            return try parsed.get()
        } catch {
            var located = error
            located.path = path
            throw located
        }
    }

    /// Parses history text (one JSON object per line).
    public static func parse(_ text: String) throws(ReadError) -> [Operation] {
        var text = text
        return try text.withUTF8 { bytes in
            Result { () throws(ReadError) in try parse(bytes: bytes) }
        }.get()
    }

    /// Parses the lines of a history, one operation per line; blank lines are skipped but counted.
    public static func parse(lines: some Sequence<String>) throws(ReadError) -> [Operation] {
        var operations: [Operation] = []
        var number = 0
        for var line in lines {
            number += 1
            let operation = try line.withUTF8 { bytes in
                Result { () throws(ReadError) -> Operation? in
                    try parseLine(bytes, range: 0 ..< bytes.count, lineNumber: number)
                }
            }.get()
            if let operation { operations.append(operation) }
        }
        return operations
    }

    /// Parses the bytes of a history file.
    public static func parse(bytes: UnsafeBufferPointer<UInt8>) throws(ReadError) -> [Operation] {
        var operations: [Operation] = []
        operations.reserveCapacity(bytes.count / 120)
        var lineStart = 0
        var lineNumber = 0
        while lineStart < bytes.count {
            lineNumber += 1
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            if let operation = try parseLine(bytes, range: lineStart ..< lineEnd, lineNumber: lineNumber) {
                operations.append(operation)
            }
            lineStart = lineEnd + 1
        }
        return operations
    }

    // MARK: One line

    /// The fields of a line, as bits, to report missing and repeated ones.
    /// (Plain bits rather than an `OptionSet`, whose generic operations are slow in debug builds.)
    private enum Field {
        static let client: UInt16 = 1 << 0
        static let op: UInt16 = 1 << 1
        static let key: UInt16 = 1 << 2
        static let value: UInt16 = 1 << 3
        static let expected: UInt16 = 1 << 4
        static let result: UInt16 = 1 << 5
        static let status: UInt16 = 1 << 6
        static let invoke: UInt16 = 1 << 7
        static let complete: UInt16 = 1 << 8
        static let required = client | op | key | status | invoke
        static let requiredNames: [(UInt16, String)] = [
            (client, "client"), (op, "op"), (key, "key"), (status, "status"), (invoke, "invoke_us"),
        ]
    }

    /// One line: nil when it is blank, the operation, or a `ReadError` naming the line.
    static func parseLine(
        _ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, lineNumber: Int
    ) throws(ReadError) -> Operation? {
        var scanner = JSONLineScanner(bytes, range: range)
        scanner.skipWhitespace()
        if scanner.isAtEnd { return nil }
        do {
            return try parseObject(&scanner)
        } catch {
            let column = error.offset - range.lowerBound + 1
            let message = error.offset >= 0 ? "\(error.message) (column \(column))" : error.message
            throw ReadError(line: lineNumber, message: message)
        }
    }

    private static func parseObject(_ s: inout JSONLineScanner) throws(JSONLineScanner.Failure) -> Operation {
        var seen: UInt16 = 0
        var client: Int64 = 0
        var kind: Kind = .get
        var key = ""
        var value: String?
        var expected: String?
        var result: String?
        var status: Status = .ok
        var invoke: Int64 = 0
        var complete: Int64?

        func mark(_ field: UInt16, _ name: String, at offset: Int) throws(JSONLineScanner.Failure) {
            if seen & field != 0 { throw JSONLineScanner.Failure(offset: offset, message: "field \"\(name)\" appears twice") }
            seen |= field
        }
        /// A string, or nil for JSON `null`.
        func optionalString(_ s: inout JSONLineScanner) throws(JSONLineScanner.Failure) -> String? {
            if s.consumeNull() { return nil }
            try s.readString()
            return try s.scratchString()
        }

        try s.expect(UInt8(ascii: "{"), "'{' (each line is one JSON object)")
        if !s.consume(UInt8(ascii: "}")) {
            repeat {
                try s.readString()
                try s.expect(UInt8(ascii: ":"), "':'")
                if s.scratchEquals("client") {
                    try mark(Field.client, "client", at: s.position)
                    client = try s.readInteger("client")
                    guard let _ = Int(exactly: client) else { throw s.failure("client does not fit in Int") }
                } else if s.scratchEquals("op") {
                    try mark(Field.op, "op", at: s.position)
                    try s.readString()
                    if s.scratchEquals("get") { kind = .get }
                    else if s.scratchEquals("put") { kind = .put }
                    else if s.scratchEquals("cas") { kind = .cas }
                    else { throw s.failure("unknown op \"\(try s.scratchString())\" (expected get, put or cas)") }
                } else if s.scratchEquals("key") {
                    try mark(Field.key, "key", at: s.position)
                    try s.readString()
                    key = try s.scratchString()
                } else if s.scratchEquals("value") {
                    try mark(Field.value, "value", at: s.position)
                    value = try optionalString(&s)
                } else if s.scratchEquals("expected") {
                    try mark(Field.expected, "expected", at: s.position)
                    expected = try optionalString(&s)
                } else if s.scratchEquals("result") {
                    try mark(Field.result, "result", at: s.position)
                    result = try optionalString(&s)
                } else if s.scratchEquals("status") {
                    try mark(Field.status, "status", at: s.position)
                    try s.readString()
                    if s.scratchEquals("ok") { status = .ok }
                    else if s.scratchEquals("fail") { status = .fail }
                    else if s.scratchEquals("unknown") { status = .unknown }
                    else { throw s.failure("unknown status \"\(try s.scratchString())\" (expected ok, fail or unknown)") }
                } else if s.scratchEquals("invoke_us") {
                    try mark(Field.invoke, "invoke_us", at: s.position)
                    invoke = try s.readInteger("invoke_us")
                } else if s.scratchEquals("complete_us") {
                    try mark(Field.complete, "complete_us", at: s.position)
                    complete = s.consumeNull() ? nil : try s.readInteger("complete_us")
                } else {
                    try s.skipValue()
                }
            } while s.consume(UInt8(ascii: ","))
            try s.expect(UInt8(ascii: "}"), "',' or '}'")
        }
        s.skipWhitespace()
        if !s.isAtEnd { throw s.failure("unexpected text after the object (one object per line)") }

        // Whole-line checks: report them without a column.
        func problem(_ message: String) -> JSONLineScanner.Failure { JSONLineScanner.Failure(offset: -1, message: message) }
        if seen & Field.required != Field.required {
            for (field, name) in Field.requiredNames where seen & field == 0 {
                throw problem("missing field \"\(name)\"")
            }
        }
        switch kind {
        case .get:
            if status == .ok && seen & Field.result == 0 {
                throw problem("an ok get needs \"result\" (the value read, or null when absent)")
            }
        case .put, .cas:
            if value == nil { throw problem("a \(kind.rawValue) needs a string \"value\" (the value written)") }
            if kind == .cas && seen & Field.expected == 0 {
                throw problem("a cas needs \"expected\" (a string, or null for absent)")
            }
        }
        if status != .unknown && complete == nil {
            throw problem("an operation with status \(status.rawValue) needs \"complete_us\"")
        }
        if let complete, complete < invoke {
            throw problem("complete_us (\(complete)) is before invoke_us (\(invoke))")
        }
        return Operation(
            client: Int(client), kind: kind, key: key,
            value: kind == .get ? nil : value,
            expected: kind == .cas ? expected : nil,
            result: kind == .get && status == .ok ? result : nil,
            status: status, invokeMicros: invoke, completeMicros: complete
        )
    }
}
