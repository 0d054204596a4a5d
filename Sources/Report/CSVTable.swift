// A parsed CSV file: header plus rows of equal width, looked up by column name.

/// A CSV file held as text fields: the header and rows that each have exactly the header's width.
///
/// Reports read result files by column name, never by position, so a file with extra columns
/// (batch, value_size, auth, …) or columns in another order still loads.
public struct CSVTable: Sendable, Equatable {
    public var header: [String]
    public var rows: [[String]]
    /// For a parsed table, the text line each row starts on (quoted fields may span lines).
    var rowLines: [Int]?

    public init(header: [String], rows: [[String]] = []) {
        precondition(rows.allSatisfy { $0.count == header.count },
                     "CSVTable: every row must have the header's \(header.count) fields")
        self.header = header
        self.rows = rows
    }

    /// Tables are equal when their header and rows are; where they were read from does not count.
    public static func == (lhs: CSVTable, rhs: CSVTable) -> Bool {
        lhs.header == rhs.header && lhs.rows == rhs.rows
    }

    /// The 1-based line of the text where row `index` starts (counting the header as line 1),
    /// for error messages about a value in that row.
    public func line(ofRow index: Int) -> Int {
        if let rowLines, index < rowLines.count { return rowLines[index] }
        return index + 2
    }

    /// The position of a column, or nil when the file has no such column.
    public func columnIndex(_ name: String) -> Int? {
        header.firstIndex(of: name)
    }

    public func hasColumn(_ name: String) -> Bool {
        columnIndex(name) != nil
    }

    /// Every value of a column, top to bottom, or nil when the file has no such column.
    public func column(_ name: String) -> [String]? {
        guard let index = columnIndex(name) else { return nil }
        return rows.map { $0[index] }
    }

    /// The field at `row` in the named column, or nil when the column is missing.
    public func value(row: Int, column name: String) -> String? {
        guard let index = columnIndex(name) else { return nil }
        return rows[row][index]
    }

    /// The table as CSV text, quoted as `CSVWriter` quotes.
    public func rendered() -> String {
        var writer = CSVWriter(header: header)
        for row in rows { writer.append(row) }
        return writer.text
    }

    /// The rows whose field in `column` satisfies `predicate`; no rows when the column is missing.
    public func filter(column name: String, _ predicate: (String) -> Bool) -> CSVTable {
        guard let index = columnIndex(name) else { return CSVTable(header: header) }
        var kept = CSVTable(header: header)
        var keptLines: [Int] = []
        for (offset, row) in rows.enumerated() where predicate(row[index]) {
            kept.rows.append(row)
            keptLines.append(line(ofRow: offset))
        }
        kept.rowLines = keptLines
        return kept
    }
}

/// Why a CSV text could not be read. `description` is one line that names the file (when known)
/// and the line, e.g. `runs.csv line 7: row has 17 fields, the header has 18`.
public struct CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line of the text where the problem is (for a row: the line it starts on).
    public var line: Int
    public var reason: String
    /// The file the text came from, when it came from a file.
    public var file: String?

    public init(line: Int, reason: String, file: String? = nil) {
        self.line = line
        self.reason = reason
        self.file = file
    }

    public var description: String {
        let place = file.map { "\($0) line \(line)" } ?? "line \(line)"
        return "\(place): \(reason)"
    }
}
