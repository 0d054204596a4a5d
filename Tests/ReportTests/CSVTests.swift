import Testing
@testable import Report

@Suite("CSV writing and strict parsing")
struct CSVTests {
    @Test("fields with commas, quotes and line breaks round-trip through the strict parser")
    func quotingRoundTrips() throws {
        let header = ["protocol", "note", "value"]
        let rows = [
            ["raft", "plain", "1.000"],
            ["pbft", "has, comma", "2"],
            ["multipaxos", "say \"hi\"", ""],
            ["raft", "two\nlines", "x"],
            ["raft", "crlf\r\ninside", "\""],
            ["ünïcode µs", ",", "\"\""],
        ]
        var writer = CSVWriter(header: header)
        for row in rows { writer.append(row) }
        #expect(writer.text.hasPrefix("protocol,note,value\nraft,plain,1.000\npbft,\"has, comma\",2\n"))
        #expect(writer.text.contains("\"say \"\"hi\"\"\""))
        let table = try CSVTable.parse(writer.text)
        #expect(table.header == header)
        #expect(table.rows == rows)
        #expect(table.rendered() == writer.text)
    }

    @Test("a ragged row is rejected with the line it starts on")
    func raggedRow() {
        let text = "a,b,c\n1,2,3\n\"multi\nline\",5,6\n7,8\n"
        #expect(throws: CSVError(line: 5, reason: "row has 2 fields, the header has 3")) {
            try CSVTable.parse(text)
        }
    }

    @Test("an empty line inside the data is a ragged row")
    func emptyLine() {
        #expect(throws: CSVError(line: 3, reason: "row is empty, the header has 2")) {
            try CSVTable.parse("a,b\n1,2\n\n3,4\n")
        }
    }

    @Test("stray quotes and unclosed quotes are errors that name the line")
    func badQuotes() {
        #expect(throws: CSVError.self) { try CSVTable.parse("a,b\n1,x\"y\n") }
        do {
            _ = try CSVTable.parse("a,b\n1,\"open\n2,3\n")
            Issue.record("an unclosed quote must be rejected")
        } catch {
            #expect(error.line == 2)
            #expect(error.description == "line 2: a quoted field is never closed")
        }
        do {
            _ = try CSVTable.parse("a,b\n\"1\"x,2\n")
            Issue.record("text after a closing quote must be rejected")
        } catch {
            #expect(error.line == 2)
        }
    }

    @Test("the header must name every column once")
    func headerNames() {
        #expect(throws: CSVError(line: 1, reason: "header names column 'a' twice")) {
            try CSVTable.parse("a,b,a\n1,2,3\n")
        }
        #expect(throws: CSVError(line: 1, reason: "header column 2 has no name")) {
            try CSVTable.parse("a,,b\n")
        }
        #expect(throws: CSVError(line: 1, reason: "empty file: expected a header line")) {
            try CSVTable.parse("")
        }
    }

    @Test("CRLF line ends, a missing final line end and a byte-order mark are accepted")
    func lineEnds() throws {
        let crlf = try CSVTable.parse("a,b\r\n1,2\r\n3,4")
        #expect(crlf.rows == [["1", "2"], ["3", "4"]])
        let bom = try CSVTable.parse("\u{FEFF}a\n1\n")
        #expect(bom.header == ["a"])
        #expect(throws: CSVError.self) { try CSVTable.parse("a,b\r1,2\n") }
    }

    @Test("columns are found by name, whatever their order")
    func byName() throws {
        let table = try CSVTable.parse("seed,protocol\n1,raft\n2,pbft\n")
        #expect(table.column("protocol") == ["raft", "pbft"])
        #expect(table.value(row: 1, column: "seed") == "2")
        #expect(table.column("nodes") == nil)
    }
}
