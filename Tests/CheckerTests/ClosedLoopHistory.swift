import Checker
import ConsensusCore

/// Builds large histories that are linearizable by construction, to test the checker at scale.
///
/// A closed-loop run without a cluster: each client has one operation in flight; the operation takes
/// effect on a single sequential key-value store at a random instant strictly inside its interval
/// (its linearization point), and its result is what the store answered then. Intervals of
/// different clients overlap freely, so the checker must find an order among overlapping operations.
/// A small share of operations time out (status `unknown`): half of those take effect (possibly long
/// after the client gave up), half never do.
struct ClosedLoopHistory {
    var seed: UInt64 = 1
    var clients = 64
    var operations = 100_000
    var keys = 1_000
    /// Share of gets; the rest are split between puts and cas.
    var readRatio = 0.5
    /// Share of cas among the writes.
    var casRatio = 0.2
    /// Share of operations that time out.
    var unknownRatio = 0.002
    /// Share of the timed-out operations that took effect anyway.
    var unknownAppliedRatio = 0.5
    /// Time from invocation to the linearization point, and from there to completion (µs).
    var latencyMicros: ClosedRange<Int64> = 50 ... 2_000
    var timeoutMicros: Int64 = 20_000

    private struct Planned {
        var client: Int
        var key: Int
        var kind: History.Kind
        var invoke: Int64
        /// Nil: never takes effect (a timed-out operation that was lost).
        var linearization: Int64?
        var complete: Int64?
    }

    func generate() -> [History.Operation] {
        var random = DeterministicRandom(seed: seed)
        func between(_ range: ClosedRange<Int64>) -> Int64 {
            range.lowerBound + Int64(random.below(Int(range.upperBound - range.lowerBound) + 1))
        }

        // 1. Times and kinds: each client issues its share back to back, in a closed loop.
        var planned: [Planned] = []
        planned.reserveCapacity(operations)
        var clock = (0 ..< clients).map { _ in between(0 ... 100) }
        for n in 0 ..< operations {
            let client = n % clients
            let invoke = clock[client]
            let key = random.below(keys)
            let r = random.unit()
            let kind: History.Kind = r < readRatio ? .get : (random.chance(casRatio) ? .cas : .put)
            if random.chance(unknownRatio) {
                // Timed out: lost, or applied at any time after the invocation (even after the timeout).
                let applied = random.chance(unknownAppliedRatio)
                let linearization = applied ? invoke + between(1 ... 3 * timeoutMicros) : nil
                planned.append(Planned(client: client, key: key, kind: kind, invoke: invoke,
                                       linearization: linearization, complete: nil))
                clock[client] = invoke + timeoutMicros
            } else {
                let linearization = invoke + between(latencyMicros)
                let complete = linearization + between(latencyMicros)
                planned.append(Planned(client: client, key: key, kind: kind, invoke: invoke,
                                       linearization: linearization, complete: complete))
                clock[client] = complete + between(0 ... 50)
            }
        }

        // 2. Apply the operations to one sequential store in linearization order.
        var order = planned.indices.filter { planned[$0].linearization != nil }
        order.sort { (planned[$0].linearization!, $0) < (planned[$1].linearization!, $1) }
        var store: [Int: String] = [:]
        var written: [Int: [String]] = [:]
        var result: [History.Operation?] = Array(repeating: nil, count: operations)
        func record(_ n: Int, value: String? = nil, expected: String? = nil, read: String? = nil, status: History.Status) {
            let p = planned[n]
            let finalStatus = p.complete == nil ? History.Status.unknown : status
            result[n] = History.Operation(
                client: p.client, kind: p.kind, key: "k\(p.key)", value: value, expected: expected,
                result: p.kind == .get && finalStatus == .ok ? read : nil, status: finalStatus,
                invokeMicros: p.invoke, completeMicros: p.complete)
        }
        for n in order {
            let p = planned[n]
            let current = store[p.key]
            switch p.kind {
            case .get:
                record(n, read: current, status: .ok)
            case .put:
                let value = "v\(n)"
                store[p.key] = value
                written[p.key, default: []].append(value)
                record(n, value: value, status: .ok)
            case .cas:
                // Half expect the current value (and swap); half an older one or absent (and fail,
                // unless it happens to be current).
                let earlier = written[p.key] ?? []
                let expected: String?
                if random.chance(0.5) {
                    expected = current
                } else {
                    expected = earlier.isEmpty || random.chance(0.2) ? nil : earlier[random.below(earlier.count)]
                }
                let value = "v\(n)"
                if expected == current {
                    store[p.key] = value
                    written[p.key, default: []].append(value)
                    record(n, value: value, expected: expected, status: .ok)
                } else {
                    record(n, value: value, expected: expected, status: .fail)
                }
            }
        }
        // Lost operations: unknown, never applied.
        for n in planned.indices where planned[n].linearization == nil {
            let p = planned[n]
            let value: String? = p.kind == .get ? nil : "v\(n)"
            let expected: String? = p.kind == .cas ? written[p.key]?.first : nil
            record(n, value: value, expected: expected, status: .unknown)
        }

        // 3. In the order a harness writes them: by completion (timeouts when the client gave up).
        var operationsOut = result.map { $0! }
        let finish = planned.map { $0.complete ?? ($0.invoke + timeoutMicros) }
        var byFinish = Array(operationsOut.indices)
        byFinish.sort { (finish[$0], $0) < (finish[$1], $1) }
        operationsOut = byFinish.map { operationsOut[$0] }
        return operationsOut
    }
}
