// Writing CSV (RFC 4180 quoting) with deterministic number formatting.

/// Renders CSV text: a header line, then one line per row, each ending in "\n".
///
/// Fields are quoted as RFC 4180 §2 asks: a field that holds a comma, a double quote, a CR or
/// an LF is wrapped in double quotes and its quotes are doubled. Lines end in LF rather than the
/// RFC's CRLF, like every other CSV this suite writes; `CSVTable.parse` accepts both.
/// A row must have as many fields as the header: a ragged row is a programming error here.
public struct CSVWriter: Sendable {
    public let header: [String]
    public private(set) var text: String

    public init(header: [String]) {
        precondition(!header.isEmpty, "CSVWriter: a header needs at least one column")
        self.header = header
        self.text = CSVWriter.line(header)
    }

    /// Appends one row of already formatted fields.
    public mutating func append(_ fields: [String]) {
        precondition(fields.count == header.count,
                     "CSVWriter: row has \(fields.count) fields, header has \(header.count): \(fields)")
        text += CSVWriter.line(fields)
    }

    /// One CSV line for `fields`, terminated by "\n".
    public static func line(_ fields: [String]) -> String {
        var line = ""
        for (index, field) in fields.enumerated() {
            if index > 0 { line += "," }
            line += quoted(field)
        }
        line += "\n"
        return line
    }

    /// The field as it must appear in CSV: unchanged, or quoted with inner quotes doubled.
    public static func quoted(_ field: String) -> String {
        let needsQuotes = field.utf8.contains { byte in
            byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"")
                || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
        }
        guard needsQuotes else { return field }
        var result = "\""
        for character in field.unicodeScalars {
            if character == "\"" { result += "\"\"" } else { result.unicodeScalars.append(character) }
        }
        result += "\""
        return result
    }

    /// A double with a fixed number of decimals (see `formatDecimal`), e.g. `field(2.5, places: 3)`
    /// is "2.500".
    public static func field(_ value: Double, places: Int) -> String {
        formatDecimal(value, places: places)
    }

    /// An integer, in plain decimal digits.
    public static func field<I: BinaryInteger>(_ value: I) -> String {
        String(value)
    }
}
