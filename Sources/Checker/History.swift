/// Client histories of the key-value store: the record a run writes with `--history`, and the input
/// of the linearizability checker (`Linearizability.check`).
///
/// # Format
///
/// JSON Lines: one JSON object per line and per client operation, in any order (the harness writes
/// them as they complete; the checker sorts by time). Fields may come in any order; fields the
/// checker does not know are ignored, so other systems may add their own. Blank lines are skipped.
///
/// | field         | type                   | meaning |
/// |---------------|------------------------|---------|
/// | `client`      | integer                | the client (session) that issued the operation |
/// | `op`          | `"get"`, `"put"`, `"cas"` | the operation |
/// | `key`         | string                 | the key it addresses |
/// | `value`       | string                 | `put` and `cas` only: the value written |
/// | `expected`    | string or `null`       | `cas` only: the value the key must hold for the swap; `null` = the key must be absent |
/// | `result`      | string or `null`       | `get` with status `ok` only: the value read; `null` = the key was absent |
/// | `status`      | `"ok"`, `"fail"`, `"unknown"` | see below |
/// | `invoke_us`   | integer                | microseconds since the run's start when the client sent the operation |
/// | `complete_us` | integer                | microseconds since the run's start when the client had its answer; absent (or `null`) for `unknown` (the checker ignores it there) |
///
/// Status:
/// - `ok`: the operation took effect, once, somewhere between `invoke_us` and `complete_us`
///   (for `cas`: the comparison held and the swap happened).
/// - `fail`: the operation definitely did not change the store. For `cas` this means the comparison
///   was made and did not hold: the key held something other than `expected` at that moment
///   (that is what our KV state machine answers with `swapped(false, …)`). A `get` or `put` marked
///   `fail` carries no information and is ignored by the checker.
/// - `unknown`: the client timed out or gave up; the operation may have taken effect at any moment
///   after `invoke_us` (even after the run ended), or never. An unknown `get` tells nothing.
///
/// A reader rejects a malformed line with its line number (`ReadError`): bad JSON, a missing or
/// repeated field, an unknown `op` or `status`, a non-integer time, `complete_us` before
/// `invoke_us`, a `put` or `cas` without `value`, a `cas` without `expected`, an ok `get` without
/// `result`, an ok or fail operation without `complete_us`. Times are compared as given; a call
/// and a return in the same microsecond count as concurrent.
///
/// Example:
/// ```
/// {"client":3,"op":"put","key":"k17","value":"v912","status":"ok","invoke_us":1200,"complete_us":1950}
/// {"client":4,"op":"get","key":"k17","result":"v912","status":"ok","invoke_us":1500,"complete_us":2010}
/// {"client":5,"op":"cas","key":"k17","value":"v913","expected":null,"status":"fail","invoke_us":1600,"complete_us":2300}
/// {"client":6,"op":"put","key":"k2","value":"v914","status":"unknown","invoke_us":1700}
/// ```
public enum History {}

extension History {
    /// What a client asked the store to do.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case get, put, cas
    }

    /// How the operation ended, as far as the client knows (see the format above).
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case ok, fail, unknown
    }

    /// One client operation: one line of a history file.
    public struct Operation: Sendable, Hashable {
        /// The client (session) that issued it. One client has at most one operation in flight.
        public var client: Int
        /// `op` in the file.
        public var kind: Kind
        public var key: String
        /// `put` and `cas`: the value written. Nil for `get`.
        public var value: String?
        /// `cas`: the value the key must hold for the swap; nil = the key must be absent.
        public var expected: String?
        /// `get` with status `ok`: the value read; nil = the key was absent.
        public var result: String?
        public var status: Status
        /// `invoke_us`: when the client sent it, in microseconds since the run's start.
        public var invokeMicros: Int64
        /// `complete_us`: when the client had its answer; nil for `unknown`.
        public var completeMicros: Int64?

        public init(
            client: Int, kind: Kind, key: String, value: String? = nil, expected: String? = nil,
            result: String? = nil, status: Status, invokeMicros: Int64, completeMicros: Int64?
        ) {
            self.client = client
            self.kind = kind
            self.key = key
            self.value = value
            self.expected = expected
            self.result = result
            self.status = status
            self.invokeMicros = invokeMicros
            self.completeMicros = completeMicros
        }

        /// A successful read of `key` that saw `result` (nil: absent).
        public static func get(
            client: Int, key: String, result: String?, status: Status = .ok,
            invokeMicros: Int64, completeMicros: Int64?
        ) -> Operation {
            Operation(client: client, kind: .get, key: key, result: result, status: status,
                      invokeMicros: invokeMicros, completeMicros: completeMicros)
        }

        public static func put(
            client: Int, key: String, value: String, status: Status = .ok,
            invokeMicros: Int64, completeMicros: Int64?
        ) -> Operation {
            Operation(client: client, kind: .put, key: key, value: value, status: status,
                      invokeMicros: invokeMicros, completeMicros: completeMicros)
        }

        public static func cas(
            client: Int, key: String, expected: String?, value: String, status: Status,
            invokeMicros: Int64, completeMicros: Int64?
        ) -> Operation {
            Operation(client: client, kind: .cas, key: key, value: value, expected: expected,
                      status: status, invokeMicros: invokeMicros, completeMicros: completeMicros)
        }
    }
}

extension History.Operation: CustomStringConvertible {
    /// A short human form for explanations: `client 3 put k17 ← "v912" ok [1200, 1950] µs`.
    public var description: String {
        func quoted(_ s: String?) -> String { s.map { "\"\($0)\"" } ?? "absent" }
        let what: String
        switch kind {
        case .get: what = status == .ok ? "get \(key) → \(quoted(result))" : "get \(key)"
        case .put: what = "put \(key) ← \(quoted(value))"
        case .cas: what = "cas \(key) \(quoted(expected)) → \(quoted(value))"
        }
        let end = completeMicros.map(String.init) ?? "…"
        return "client \(client) \(what) \(status.rawValue) [\(invokeMicros), \(end)] µs"
    }
}
