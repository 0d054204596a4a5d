import Workload

/// Bridges the run's history to the checker. (Filled in when the Checker module lands.)
enum HistoryCheck {
    struct Outcome {
        var column: String
        var detail: String?
    }

    static func verdict(for records: [OperationRecord], enabled: Bool) -> Outcome {
        Outcome(column: "unchecked", detail: nil)
    }
}
