// MARK: - Writing history lines

extension History {
    /// Appends `operation` as one JSON line (with its trailing newline) to `buffer`.
    ///
    /// The harness keeps one buffer for a whole run and writes it out in large chunks, so this does
    /// no Foundation formatting and allocates nothing beyond the buffer's own growth: integers and
    /// strings are encoded by hand. Fields that do not apply to the operation are left out
    /// (`value` for a get, `expected` for anything but a cas, `result` for anything but an ok get,
    /// `complete_us` for an unknown operation).
    public static func appendLine(_ operation: Operation, to buffer: inout [UInt8]) {
        appendASCII("{\"client\":", to: &buffer)
        appendInteger(Int64(operation.client), to: &buffer)
        appendASCII(",\"op\":\"", to: &buffer)
        appendASCII(operation.kind.rawValue, to: &buffer)
        appendASCII("\",\"key\":", to: &buffer)
        appendString(operation.key, to: &buffer)
        if operation.kind != .get {
            appendASCII(",\"value\":", to: &buffer)
            appendOptionalString(operation.value, to: &buffer)
        }
        if operation.kind == .cas {
            appendASCII(",\"expected\":", to: &buffer)
            appendOptionalString(operation.expected, to: &buffer)
        }
        if operation.kind == .get && operation.status == .ok {
            appendASCII(",\"result\":", to: &buffer)
            appendOptionalString(operation.result, to: &buffer)
        }
        appendASCII(",\"status\":\"", to: &buffer)
        appendASCII(operation.status.rawValue, to: &buffer)
        appendASCII("\",\"invoke_us\":", to: &buffer)
        appendInteger(operation.invokeMicros, to: &buffer)
        if operation.status != .unknown, let complete = operation.completeMicros {
            appendASCII(",\"complete_us\":", to: &buffer)
            appendInteger(complete, to: &buffer)
        }
        buffer.append(UInt8(ascii: "}"))
        buffer.append(UInt8(ascii: "\n"))
    }

    /// All of `operations`, one line each, as the bytes of a history file.
    public static func encode(_ operations: some Sequence<Operation>) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(operations.underestimatedCount * 120)
        for operation in operations { appendLine(operation, to: &buffer) }
        return buffer
    }

    // MARK: Encoding helpers

    @inline(__always)
    static func appendASCII(_ text: StaticString, to buffer: inout [UInt8]) {
        text.withUTF8Buffer { buffer.append(contentsOf: $0) }
    }

    @inline(__always)
    static func appendASCII(_ text: String, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: text.utf8)
    }

    /// Decimal digits of `value`, most significant first, without going through `String`.
    static func appendInteger(_ value: Int64, to buffer: inout [UInt8]) {
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude == 0 {
            buffer.append(UInt8(ascii: "0"))
            return
        }
        // Write the (at most 20) digits least significant first, then reverse them in place.
        let start = buffer.count
        while magnitude > 0 {
            buffer.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        }
        var low = start
        var high = buffer.count - 1
        while low < high {
            buffer.swapAt(low, high)
            low += 1
            high -= 1
        }
    }

    static func appendOptionalString(_ text: String?, to buffer: inout [UInt8]) {
        if let text {
            appendString(text, to: &buffer)
        } else {
            appendASCII("null", to: &buffer)
        }
    }

    /// A JSON string literal: `"` and `\` escaped, control characters as `\n`, `\t`, … or `\u00XX`;
    /// everything else (including non-ASCII UTF-8) copied as is, which JSON allows.
    static func appendString(_ text: String, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\\")); buffer.append(byte)
            case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\")); buffer.append(byte)
            case 0x0A: buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "n"))
            case 0x0D: buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "r"))
            case 0x09: buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "t"))
            case 0x08: buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "b"))
            case 0x0C: buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "f"))
            case 0x00 ..< 0x20:
                appendASCII("\\u00", to: &buffer)
                buffer.append(hexDigit(byte >> 4))
                buffer.append(hexDigit(byte & 0x0F))
            default:
                buffer.append(byte)
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ (nibble &- 10)
    }
}
