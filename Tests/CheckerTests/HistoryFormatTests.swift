import Checker
import ConsensusCore
import Foundation
import Testing

@Suite("History format")
struct HistoryFormatTests {
    private func line(_ operation: History.Operation) -> String {
        var buffer: [UInt8] = []
        History.appendLine(operation, to: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    private func parseError(_ text: String) -> History.ReadError? {
        do {
            _ = try History.parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test("the writer puts each field where the format says, and leaves out what does not apply")
    func writerLayout() {
        #expect(line(.put(client: 3, key: "k17", value: "v912", invokeMicros: 1200, completeMicros: 1950))
            == #"{"client":3,"op":"put","key":"k17","value":"v912","status":"ok","invoke_us":1200,"complete_us":1950}"# + "\n")
        #expect(line(.get(client: 4, key: "k17", result: nil, invokeMicros: 0, completeMicros: 7))
            == #"{"client":4,"op":"get","key":"k17","result":null,"status":"ok","invoke_us":0,"complete_us":7}"# + "\n")
        #expect(line(.cas(client: 5, key: "k1", expected: nil, value: "v2", status: .fail, invokeMicros: -3, completeMicros: 9_223_372_036_854_775_807))
            == #"{"client":5,"op":"cas","key":"k1","value":"v2","expected":null,"status":"fail","invoke_us":-3,"complete_us":9223372036854775807}"# + "\n")
        #expect(line(.put(client: 6, key: "k2", value: "v3", status: .unknown, invokeMicros: 1700, completeMicros: nil))
            == #"{"client":6,"op":"put","key":"k2","value":"v3","status":"unknown","invoke_us":1700}"# + "\n")
    }

    @Test("strings with quotes, backslashes, control characters and non-ASCII survive a round trip")
    func escapesRoundTrip() throws {
        let awkward = "a\"b\\c\nd\re\tf\u{08}\u{0C}\u{01}\u{1F}é😀/"
        let operations: [History.Operation] = [
            .put(client: 1, key: awkward, value: awkward, invokeMicros: 1, completeMicros: 2),
            .get(client: 2, key: "plain", result: awkward, invokeMicros: 3, completeMicros: 4),
            .cas(client: 3, key: "k", expected: awkward, value: "", status: .ok, invokeMicros: 5, completeMicros: 6),
            .cas(client: 4, key: "k", expected: nil, value: "w", status: .unknown, invokeMicros: 7, completeMicros: nil),
            .get(client: 5, key: "k", result: nil, status: .unknown, invokeMicros: 8, completeMicros: nil),
        ]
        let bytes = History.encode(operations)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.split(separator: "\n").count == operations.count)
        #expect(text.contains(#"\u0001"#) && text.contains(#"\u001f"#))
        #expect(try History.parse(text) == operations)
    }

    @Test("the reader accepts any field order, whitespace, unknown fields, escapes, blank lines and CRLF")
    func readerIsLiberal() throws {
        let first = #"  { "status" : "ok", "complete_us": 20, "invoke_us": 10, "result": "caf\u00e9 \ud83d\ude00", "key": "k\/1", "op": "get", "client": 7, "extra": {"a": [1, -2.5e3, true, false, null, "}"]} }"#
        let second = #"{"client":1,"op":"put","key":"k","value":"v","status":"unknown","invoke_us":5,"complete_us":null}"#
        let text = "\n" + first + "\r\n  \n" + second + "\n"
        let operations = try History.parse(text)
        #expect(operations == [
            .get(client: 7, key: "k/1", result: "café 😀", invokeMicros: 10, completeMicros: 20),
            .put(client: 1, key: "k", value: "v", status: .unknown, invokeMicros: 5, completeMicros: nil),
        ])
        #expect(try History.parse(lines: ["", #"{"client":1,"op":"get","key":"k","result":null,"status":"ok","invoke_us":1,"complete_us":2}"#]).count == 1)
    }

    @Test("a malformed line is reported with its line number and the problem")
    func errorsNameTheLine() {
        let good = #"{"client":1,"op":"get","key":"k","result":null,"status":"ok","invoke_us":1,"complete_us":2}"#
        func third(_ bad: String) -> History.ReadError? { parseError(good + "\n\n" + bad + "\n" + good) }

        let cases: [(String, String)] = [
            (#"{"client":1,"op":"get""#, "expected ',' or '}'"),
            (#"not json"#, "expected '{'"),
            (#"{"client":1,"op":"get","key":"k","result":null,"invoke_us":1,"complete_us":2}"#, #"missing field "status""#),
            (#"{"client":1,"op":"delete","key":"k","status":"ok","invoke_us":1,"complete_us":2}"#, #"unknown op "delete""#),
            (#"{"client":1,"op":"get","key":"k","result":null,"status":"maybe","invoke_us":1,"complete_us":2}"#, #"unknown status "maybe""#),
            (#"{"client":1,"op":"get","key":"k","result":null,"status":"ok","invoke_us":10,"complete_us":2}"#, "complete_us (2) is before invoke_us (10)"),
            (#"{"client":1,"op":"get","key":"k","result":null,"status":"ok","invoke_us":1}"#, #"needs "complete_us""#),
            (#"{"client":1,"op":"get","key":"k","status":"ok","invoke_us":1,"complete_us":2}"#, #"needs "result""#),
            (#"{"client":1,"op":"put","key":"k","status":"ok","invoke_us":1,"complete_us":2}"#, #"needs a string "value""#),
            (#"{"client":1,"op":"cas","key":"k","value":"v","status":"ok","invoke_us":1,"complete_us":2}"#, #"needs "expected""#),
            (#"{"client":1,"client":2,"op":"get","key":"k","result":null,"status":"ok","invoke_us":1,"complete_us":2}"#, #"field "client" appears twice"#),
            (#"{"client":1,"op":"get","key":"k","result":null,"status":"ok","invoke_us":1.5,"complete_us":2}"#, "invoke_us must be an integer"),
            (#"{"client":1,"op":"get","key":"k\q","result":null,"status":"ok","invoke_us":1,"complete_us":2}"#, #"unknown escape \q"#),
            (#"{"client":1,"op":"get","key":"\ud800","result":null,"status":"ok","invoke_us":1,"complete_us":2}"#, "unpaired surrogate"),
            (#"{"client":1,"op":"get","key":"k","result":null,"status":"ok","invoke_us":1,"complete_us":2} x"#, "unexpected text after the object"),
            (#"{"client":1,"op":"get","key":"k","result":null,"status":"ok","invoke_us":99999999999999999999,"complete_us":2}"#, "does not fit in 64 bits"),
        ]
        for (bad, message) in cases {
            let error = third(bad)
            #expect(error?.line == 3, "\(bad)")
            #expect(error?.message.contains(message) == true, "\(bad) gave \(String(describing: error))")
            #expect(error?.description.hasPrefix("line 3: ") == true)
        }
    }

    @Test("a syntax error names its column")
    func columns() {
        let error = parseError(#"{"client":1,"op":get}"#)
        #expect(error?.message == "expected a string, found 'g' (column 18)")
    }

    @Test("a history file round-trips, and a missing file is a clear error")
    func files() throws {
        let operations = (0 ..< 50).map { n in
            History.Operation.put(client: n % 4, key: "k\(n % 7)", value: "v\(n)", invokeMicros: Int64(n), completeMicros: Int64(n + 3))
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("checker-history-\(getpid()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(History.encode(operations)).write(to: URL(fileURLWithPath: path))
        #expect(try History.read(contentsOf: path) == operations)

        try Data("\n{}\n".utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try History.read(contentsOf: path)
            Issue.record("an object without fields was accepted")
        } catch {
            #expect(error.description == "\(path):2: missing field \"client\"")
        }

        do {
            _ = try History.read(contentsOf: path + ".absent")
            Issue.record("a missing file was read")
        } catch {
            #expect(error.line == 0)
            #expect(error.description.hasPrefix(path + ".absent: cannot read"))
        }
    }

    @Test("commands and their results become history records in the store's own words")
    func fromCommands() {
        let key = Key(17)
        let value = Value(tag: 912, size: 64)
        let put = History.Operation(client: ClientID(3), command: .put(key, value), result: .value(nil),
                                    invokeMicros: 1, completeMicros: 2)
        #expect(put == .put(client: 3, key: "k17", value: "v912", invokeMicros: 1, completeMicros: 2))
        let read = History.Operation(client: ClientID(3), command: .get(key), result: .value(value),
                                     invokeMicros: 1, completeMicros: 2)
        #expect(read == .get(client: 3, key: "k17", result: "v912", invokeMicros: 1, completeMicros: 2))
        let failed = History.Operation(client: ClientID(4), command: .cas(key, expected: nil, new: value),
                                       result: .swapped(false, previous: value), invokeMicros: 1, completeMicros: 2)
        #expect(failed == .cas(client: 4, key: "k17", expected: nil, value: "v912", status: .fail, invokeMicros: 1, completeMicros: 2))
        let timedOut = History.Operation(client: ClientID(4), command: .get(key), result: nil,
                                         invokeMicros: 1, completeMicros: 99)
        #expect(timedOut?.status == .unknown && timedOut?.completeMicros == nil)
        #expect(History.Operation(client: ClientID(1), command: .noop, result: CommandResult.none, invokeMicros: 0, completeMicros: 0) == nil)
    }
}
