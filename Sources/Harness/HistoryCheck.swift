import Checker
import ConsensusCore
import Workload

/// Turns the simulator's operation records into the checker's history and checks it.
public enum HistoryCheck {
    struct Outcome {
        var column: String
        var detail: String?
    }

    static func verdict(for records: [OperationRecord], enabled: Bool, budget: Linearizability.Budget = .default) -> Outcome {
        guard enabled else { return Outcome(column: "unchecked", detail: nil) }
        let verdict = Linearizability.check(history(records), budget: budget)
        switch verdict {
        case .linearizable: return Outcome(column: verdict.csvValue, detail: nil)
        default: return Outcome(column: verdict.csvValue, detail: String(verdict.description.prefix(2000)))
        }
    }

    /// The records as history lines. Invocation times round down and completion times round up to
    /// whole microseconds, so an operation's interval only ever widens: rounding cannot invent an order
    /// that did not exist.
    public static func history(_ records: [OperationRecord]) -> [History.Operation] {
        records.map { r in
            let invoke = r.invoked.nanoseconds / 1000
            let complete = r.completed.map { ($0.nanoseconds + 999) / 1000 }
            let status: History.Status
            switch r.status {
            case .ok: status = .ok
            case .fail: status = .fail
            case .unknown: status = .unknown
            }
            let client = r.client.index
            switch r.command {
            case .get(let key):
                var result: String? = nil
                if case .value(let v)? = r.result { result = v?.description }
                return .get(client: client, key: key.description, result: result, status: status,
                            invokeMicros: invoke, completeMicros: complete)
            case .put(let key, let value):
                return .put(client: client, key: key.description, value: value.description, status: status,
                            invokeMicros: invoke, completeMicros: complete)
            case .cas(let key, let expected, let new):
                return .cas(client: client, key: key.description, expected: expected?.description, value: new.description,
                            status: status, invokeMicros: invoke, completeMicros: complete)
            case .noop:
                return .put(client: client, key: "noop", value: "noop", status: .unknown, invokeMicros: invoke, completeMicros: nil)
            }
        }
    }
}
