/// A small JSON reader for one history line: exactly what `History.parse` needs and no more.
///
/// It reads the bytes of one line in place (no copy of the line, no `JSONSerialization`), decodes
/// strings with every JSON escape (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\uXXXX` with
/// surrogate pairs) into one reusable scratch buffer, reads integers exactly, and can skip any
/// JSON value (for fields that other systems add and the checker ignores).
struct JSONLineScanner {
    /// A syntax problem at a byte offset of the line (0-based; reported 1-based as a column).
    struct Failure: Error {
        var offset: Int
        var message: String
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var position: Int
    private let end: Int
    /// The decoded bytes of the last string read by `readString()`.
    private(set) var scratch: [UInt8] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
        scratch.reserveCapacity(64)
    }

    var isAtEnd: Bool { position >= end }

    func failure(_ message: String) -> Failure { Failure(offset: position, message: message) }

    // (Read-only helpers are `mutating` so that unoptimized builds do not copy the scanner, and
    // retain its buffer, on every call from the mutating parsing code.)
    @inline(__always) var current: UInt8? { mutating get { position < end ? bytes[position] : nil } }

    mutating func skipWhitespace() {
        while position < end {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// Consumes `byte` (after whitespace) or fails saying what was expected.
    mutating func expect(_ byte: UInt8, _ what: String) throws(Failure) {
        skipWhitespace()
        guard current == byte else { throw failure("expected \(what)\(foundSuffix)") }
        position += 1
    }

    /// Consumes `byte` (after whitespace) if it is next.
    mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        if current == byte { position += 1; return true }
        return false
    }

    var foundSuffix: String {
        mutating get {
            guard let c = current else { return ", found the end of the line" }
            if c >= 0x20 && c < 0x7F { return ", found '\(Character(Unicode.Scalar(c)))'" }
            return ", found byte 0x\(String(c, radix: 16))"
        }
    }

    /// True when `null` is next (and consumes it).
    mutating func consumeNull() -> Bool {
        skipWhitespace()
        guard end - position >= 4, bytes[position] == UInt8(ascii: "n"), bytes[position + 1] == UInt8(ascii: "u"),
              bytes[position + 2] == UInt8(ascii: "l"), bytes[position + 3] == UInt8(ascii: "l")
        else { return false }
        position += 4
        return true
    }

    // MARK: Strings

    /// Reads a JSON string into `scratch` (decoded UTF-8 bytes).
    mutating func readString() throws(Failure) {
        try expect(UInt8(ascii: "\""), "a string")
        scratch.removeAll(keepingCapacity: true)
        while true {
            // Copy the run of plain bytes up to the next quote, backslash or control byte at once.
            let runStart = position
            while position < end {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                position += 1
            }
            if position > runStart {
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart ..< position]))
            }
            guard position < end else { throw failure("unterminated string") }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return
            case UInt8(ascii: "\\"):
                position += 1
                try readEscape()
            default:
                throw failure("control character 0x\(String(byte, radix: 16)) inside a string (write it as an escape)")
            }
        }
    }

    /// The last string read, as a Swift string (fails on invalid UTF-8).
    func scratchString() throws(Failure) -> String {
        guard let text = String(validating: scratch, as: UTF8.self) else {
            throw failure("string is not valid UTF-8")
        }
        return text
    }

    /// True when the last string read equals `name` (ASCII field names).
    mutating func scratchEquals(_ name: StaticString) -> Bool {
        guard scratch.count == name.utf8CodeUnitCount else { return false }
        let p = name.utf8Start
        for i in 0 ..< scratch.count where scratch[i] != p[i] { return false }
        return true
    }

    private mutating func readEscape() throws(Failure) {
        guard position < end else { throw failure("unterminated escape") }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(byte)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try readHex4()
            if (0xD800 ... 0xDBFF).contains(scalar) {
                // A high surrogate must be followed by `\u` and a low surrogate.
                guard end - position >= 2, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
                else { throw failure("unpaired surrogate \\u\(String(scalar, radix: 16))") }
                position += 2
                let low = try readHex4()
                guard (0xDC00 ... 0xDFFF).contains(low) else { throw failure("unpaired surrogate \\u\(String(scalar, radix: 16))") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00 ... 0xDFFF).contains(scalar) {
                throw failure("unpaired surrogate \\u\(String(scalar, radix: 16))")
            }
            appendUTF8(scalar)
        default:
            position -= 1
            throw failure("unknown escape \\\(Character(Unicode.Scalar(byte)))")
        }
    }

    private mutating func readHex4() throws(Failure) -> UInt32 {
        guard end - position >= 4 else { throw failure("\\u needs four hex digits") }
        var value: UInt32 = 0
        for _ in 0 ..< 4 {
            let c = bytes[position]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: throw failure("\\u needs four hex digits")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0 ..< 0x80:
            scratch.append(UInt8(scalar))
        case 0x80 ..< 0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800 ..< 0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    // MARK: Numbers

    /// Reads an integer; fails on a fraction or exponent (times and clients are whole numbers)
    /// and on overflow of `Int64`.
    mutating func readInteger(_ field: String) throws(Failure) -> Int64 {
        skipWhitespace()
        let start = position
        let negative = current == UInt8(ascii: "-")
        if negative { position += 1 }
        var magnitude: UInt64 = 0
        var digits = 0
        while let c = current, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(c - UInt8(ascii: "0")))
            if o1 || o2 { position = start; throw failure("\(field) does not fit in 64 bits") }
            magnitude = sum
            digits += 1
            position += 1
        }
        if digits == 0 { throw failure("expected an integer for \(field)\(foundSuffix)") }
        if let c = current, c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            position = start
            throw failure("\(field) must be an integer")
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { position = start; throw failure("\(field) does not fit in 64 bits") }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { position = start; throw failure("\(field) does not fit in 64 bits") }
        return Int64(magnitude)
    }

    // MARK: Skipping

    /// Skips one JSON value of any type (nested up to a fixed depth).
    mutating func skipValue(depth: Int = 0) throws(Failure) {
        guard depth < 64 else { throw failure("value nested too deeply") }
        skipWhitespace()
        guard let c = current else { throw failure("expected a value, found the end of the line") }
        switch c {
        case UInt8(ascii: "\""):
            try readString()
        case UInt8(ascii: "{"):
            position += 1
            if consume(UInt8(ascii: "}")) { return }
            repeat {
                try readString()
                try expect(UInt8(ascii: ":"), "':'")
                try skipValue(depth: depth + 1)
            } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "}"), "',' or '}'")
        case UInt8(ascii: "["):
            position += 1
            if consume(UInt8(ascii: "]")) { return }
            repeat { try skipValue(depth: depth + 1) } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "]"), "',' or ']'")
        case UInt8(ascii: "t"): try skipLiteral("true")
        case UInt8(ascii: "f"): try skipLiteral("false")
        case UInt8(ascii: "n"): try skipLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"):
            try skipNumber()
        default:
            throw failure("expected a value\(foundSuffix)")
        }
    }

    private mutating func skipLiteral(_ literal: StaticString) throws(Failure) {
        let n = literal.utf8CodeUnitCount
        guard end - position >= n else { throw failure("expected \(literal)") }
        for i in 0 ..< n where bytes[position + i] != literal.utf8Start[i] {
            throw failure("expected \(literal)")
        }
        position += n
    }

    /// JSON number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func skipNumber() throws(Failure) {
        func isDigit(_ c: UInt8?) -> Bool { c.map { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } ?? false }
        if current == UInt8(ascii: "-") { position += 1 }
        guard isDigit(current) else { throw failure("malformed number") }
        while isDigit(current) { position += 1 }
        if current == UInt8(ascii: ".") {
            position += 1
            guard isDigit(current) else { throw failure("malformed number") }
            while isDigit(current) { position += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard isDigit(current) else { throw failure("malformed number") }
            while isDigit(current) { position += 1 }
        }
    }
}
