import ConsensusCore
import LockstepTesting
import Loopback

/// What one replica's work costs, per kind of input it handles and per kind of message it sends,
/// measured on this machine by replaying a recorded steady state into a twin of the replica
/// (`ReplicaStepState`, as the replica-step benchmarks do).
///
/// Handling an input is timed from the bytes on: the message is decoded from its wire encoding, then
/// handed to the twin through the `Replica` contract, as the tcp shell does. The crypto the step did
/// (`CryptoWork`) is subtracted at the calibrated per-operation costs, because the simulator charges
/// crypto on its own and it grows with n where the rest does not. Sending is the encoding of a message
/// the twin sent, once per destination as the tcp shell encodes it, timed afterwards in tight loops.
/// Timers are replayed but not timed (the simulator charges them nothing).
///
/// A persist is timed after every step that left durable records, as the tcp shell's `persist` does
/// it: the replica hands over its records and they are encoded as the journal frames them (the
/// write itself is `disk.write`'s, measured by `calibrate`'s disk probe).
public struct StepCosts: Sendable, Equatable {
    /// Mean nanoseconds and samples per kind: the protocol's message kinds, `request` (a client
    /// request) among handled inputs, `reply` among sends.
    public var handling: [String: Figure] = [:]
    public var sending: [String: Figure] = [:]
    /// A persist that wrote something: taking the step's durable records and encoding them.
    public var persisting: Figure?

    public struct Figure: Sendable, Equatable {
        public var nanoseconds: Double
        public var samples: Int
    }

    public init() {}

    /// Both scenarios' figures in one table, each kind weighted by its samples (a kind both a leader
    /// and a follower handle is their mix).
    public func merged(with other: StepCosts) -> StepCosts {
        func mix(_ x: Figure, _ y: Figure) -> Figure {
            let n = x.samples + y.samples
            return Figure(nanoseconds: (x.nanoseconds * Double(x.samples) + y.nanoseconds * Double(y.samples)) / Double(n), samples: n)
        }
        var m = StepCosts()
        m.handling = handling.merging(other.handling, uniquingKeysWith: mix)
        m.sending = sending.merging(other.sending, uniquingKeysWith: mix)
        switch (persisting, other.persisting) {
        case let (x?, y?): m.persisting = mix(x, y)
        case let (x, y): m.persisting = x ?? y
        }
        return m
    }
}

public enum StepCostProbe {
    /// Replays batches of `scenario`'s steady state for at least `budget` of wall time (and at least
    /// two batches). `cryptoNanoseconds` prices a step's crypto work at the calibrated costs.
    public static func measure<R: Replica>(_ scenario: ReplicaStepScenario<R>, budget: Duration,
                                           cryptoNanoseconds: (CryptoWork) -> Double) -> StepCosts
    where R.DurableState: DurableStateCodable, R.DurableChange: DurableStateCodable {
        let state = ReplicaStepState(scenario, inputsPerBatch: 1000)
        let names = R.Message.kindNames
        let request = names.count
        var handled = Samples(kinds: names.count + 2)
        let persist = names.count + 1
        var records: [R.JournalRecord] = []
        var journal = WireWriter(capacity: 1 << 16)
        // The twin's first hand-over is its whole state (the journal's head), not a step's change.
        state.twin.takeDurableRecords(into: &records)
        records.removeAll()
        // What the twin sent, kept to be encoded afterwards in tight loops: an encoding takes tens of
        // nanoseconds, too little to time one at a time against the clock's own cost.
        let keptPerKind = 1000
        var outgoing: [[R.Message]] = Array(repeating: [], count: names.count)
        var replies: [ClientReply] = []
        var outbox = Outbox<R.Message>()
        var encoded = WireWriter(capacity: 4096)
        var scratch = WireWriter(capacity: 4096)
        let clock = ContinuousClock()
        let overhead = clockOverhead(clock)
        let start = clock.now
        var batches = 0
        /// Times the persist that follows every step, as the tcp shell's `persist` does it (a step that
        /// left no durable records is not a persist).
        func timePersist() {
            let t0 = clock.now
            state.twin.takeDurableRecords(into: &records)
            guard !records.isEmpty else { return }
            journal.clear()
            Journal.encode(records, into: &journal)
            handled.add(persist, nanoseconds(clock.now - t0) - overhead)
            records.removeAll(keepingCapacity: true)  // a held record would make the twin's next write copy
        }
        while batches < 2 || clock.now - start < budget {
            for item in state.nextBatch() {
                outbox.clear()
                let kind: Int
                let elapsed: Duration
                switch item.input {
                case .message(let message, let sender):
                    encoded.clear()
                    message.encode(into: &encoded)
                    kind = message.kind
                    let t0 = clock.now
                    var reader = WireReader(encoded)
                    guard let decoded = try? R.Message.decode(from: &reader) else { fatalError("\(scenario.name): a recorded \(names[kind]) does not decode") }
                    state.twin.handle(.message(decoded, from: sender), now: item.now, outbox: &outbox)
                    elapsed = clock.now - t0
                case .clientRequest(let r):
                    encoded.clear()
                    r.encode(into: &encoded)
                    kind = request
                    let t0 = clock.now
                    var reader = WireReader(encoded)
                    guard let decoded = try? ClientRequest.decode(from: &reader) else { fatalError("\(scenario.name): a recorded request does not decode") }
                    state.twin.handle(.clientRequest(decoded), now: item.now, outbox: &outbox)
                    elapsed = clock.now - t0
                case .timer:
                    state.twin.handle(item.input, now: item.now, outbox: &outbox)
                    timePersist()
                    continue  // a timer's sends are not kept: the tables are the steady state's
                }
                handled.add(kind, nanoseconds(elapsed) - overhead - cryptoNanoseconds(outbox.cryptoWork))
                timePersist()
                for effect in outbox.effects {
                    switch effect {
                    case .send(let m, _), .broadcast(let m):
                        if outgoing[m.kind].count < keptPerKind { outgoing[m.kind].append(m) }
                    case .reply(let r):
                        if replies.count < keptPerKind { replies.append(r) }
                    default:
                        break
                    }
                }
            }
            state.checkBatch()
            handled.endBatch()
            batches += 1
        }
        var costs = StepCosts()
        var figures = handled.figures(names: names + ["request", "persist"])
        costs.persisting = figures.removeValue(forKey: "persist")
        costs.handling = figures
        for (kind, messages) in outgoing.enumerated() where !messages.isEmpty {
            costs.sending[names[kind]] = encodingCost(of: messages, into: &scratch, clock: clock) { $0.encode(into: &$1) }
        }
        if !replies.isEmpty {
            costs.sending["reply"] = encodingCost(of: replies, into: &scratch, clock: clock) { $0.encode(into: &$1) }
        }
        return costs
    }

    /// Mean nanoseconds to encode one of `items` into a cleared writer: the median of 9 timed passes
    /// over all of them.
    static func encodingCost<T>(of items: [T], into writer: inout WireWriter, clock: ContinuousClock,
                                _ encode: (T, inout WireWriter) -> Void) -> StepCosts.Figure {
        let passes = max(1, 20_000 / items.count)
        var means: [Double] = []
        for _ in 0 ..< 9 {
            let t0 = clock.now
            for _ in 0 ..< passes {
                for item in items {
                    writer.clear()
                    encode(item, &writer)
                }
            }
            means.append(nanoseconds(clock.now - t0) / Double(passes * items.count))
        }
        return StepCosts.Figure(nanoseconds: means.sorted()[means.count / 2], samples: items.count)
    }

    /// What reading the clock twice costs, subtracted from every sample (the median of many pairs).
    static func clockOverhead(_ clock: ContinuousClock) -> Double {
        var pairs: [Double] = []
        pairs.reserveCapacity(1001)
        for _ in 0 ..< 1001 {
            let t0 = clock.now
            pairs.append(nanoseconds(clock.now - t0))
        }
        pairs.sort()
        return pairs[pairs.count / 2]
    }

    static func nanoseconds(_ d: Duration) -> Double {
        let (seconds, attoseconds) = d.components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    /// Per-kind samples. Each batch gives a mean per kind that leaves out that batch's slowest 1 %
    /// (a step interrupted by the scheduler or a page fault is the machine's, not the protocol's);
    /// the figure is the median of the batches' means, so a batch during which the machine was busy
    /// elsewhere does not move it.
    struct Samples {
        var values: [[Double]]
        var batchMeans: [[Double]]
        var counts: [Int]
        init(kinds: Int) {
            values = Array(repeating: [], count: kinds)
            batchMeans = Array(repeating: [], count: kinds)
            counts = Array(repeating: 0, count: kinds)
        }
        mutating func add(_ kind: Int, _ nanoseconds: Double) { values[kind].append(max(0, nanoseconds)) }
        mutating func endBatch() {
            for k in values.indices where !values[k].isEmpty {
                let v = values[k]
                let kept = v.sorted().prefix(max(1, v.count - v.count / 100))
                batchMeans[k].append(kept.reduce(0, +) / Double(kept.count))
                counts[k] += v.count
                values[k].removeAll(keepingCapacity: true)
            }
        }
        func figures(names: [String]) -> [String: StepCosts.Figure] {
            var out: [String: StepCosts.Figure] = [:]
            for (k, means) in batchMeans.enumerated() where !means.isEmpty {
                out[names[k]] = StepCosts.Figure(nanoseconds: means.sorted()[means.count / 2], samples: counts[k])
            }
            return out
        }
    }
}
