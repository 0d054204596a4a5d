// The common script language over a `LockstepCluster`, one command per line (see Script.swift for the
// file format). Replicas are named by their NodeID (0 … n−1), links as `0→2` (or `0->2`; `*` for any
// replica), a message kind by the first word of its rendering (`AppendEntries`, `PREPARE`).
//
//   cluster n=3 [option=value …]   build and start a fresh cluster (options: the protocol's dialect)
//   propose 0 [c3#1] put 5 77      a client's request handed to replica 0 now (also `get 5`);
//                                  without `c3#1`, client 1's next sequence number
//   deliver [0→2] [Kind] [max=N]   deliver queued messages (matching ones), oldest first, including
//                                  the ones they cause, until none is left
//   drop [0→2] [Kind]              lose the queued messages that match
//   duplicate [0→2] [Kind]         queue a second copy of the matching ones, behind everything else
//   cut 0→2 · isolate 2 · heal     lose every message on a link / to and from a replica; undo all cuts
//   crash 2 · restart 2            stop a replica (it keeps only its disk); start it again from its disk
//   tick 2 election                fire an armed timer, the clock moved to its deadline
//   advance 150ms                  move the clock with nothing delivered
//   queued                         print the messages on their way
//   timers                         each replica's armed timers and when they are due
//   status                         one line per replica (the dialect's status)
//
// Every step a command causes is printed: the input (`1→0 PreVoteResponse term=1 granted`), then,
// indented, what the replica did: messages (`0→*` for a broadcast), `persist`, replies to clients,
// entries applied, leadership gained, messages rejected. Timer (re)arming is not printed, and
// back-to-back `persist`s of one step print once (they write the same state).

import ConsensusCore
import Foundation

public final class ClusterScript<R: Replica> where R.Message: CustomStringConvertible {
    public let dialect: ScenarioDialect<R>
    /// The cluster of the last `cluster` command.
    public private(set) var cluster: LockstepCluster<R>?
    private var output: [String] = []
    private var nextSequence: [UInt32: UInt64] = [:]

    public init(_ dialect: ScenarioDialect<R>) {
        self.dialect = dialect
    }

    /// Runs one command and returns what it printed.
    public func execute(_ command: String) -> [String] {
        output = []
        let words = command.split(separator: " ").map(String.init)
        do {
            try run(words)
        } catch {
            output.append("error: \(error)")
        }
        return output
    }

    /// Appends a line to the current command's output (verbs of a dialect use it).
    public func print(_ line: String) {
        output.append(line)
    }

    /// The cluster, or an error if no `cluster` command came first.
    public func requireCluster() throws -> LockstepCluster<R> {
        guard let cluster else { throw ScenarioError("no cluster yet: start the script with `cluster n=…`") }
        return cluster
    }

    /// A replica number of the current cluster.
    public func replica(_ word: String?) throws -> Int {
        let c = try requireCluster()
        guard let word, let i = Int(word), i >= 0, i < c.replicas.count else {
            throw ScenarioError("`\(word ?? "")` is not a replica of 0…\(c.replicas.count - 1)")
        }
        return i
    }

    /// Fires the armed timer named `name` at replica `i`; prints why not when it is not armed.
    @discardableResult
    public func tick(_ i: Int, _ name: String) throws -> Bool {
        guard let timer = dialect.timers.first(where: { $0.name == name })?.id else {
            throw ScenarioError("no timer `\(name)` (timers: \(dialect.timers.map(\.name).joined(separator: ", ")))")
        }
        let c = try requireCluster()
        if c.fireArmed(timer, at: i) { return true }
        print(c.crashed[i] ? "\(i) is down" : "\(i) has no \(name) timer armed")
        return false
    }

    // MARK: Commands

    private func run(_ words: [String]) throws {
        guard let verb = words.first else { return }
        let args = Array(words.dropFirst())
        switch verb {
        case "cluster": try makeCluster(args)
        case "propose": try propose(args)
        case "deliver": try deliver(args)
        case "drop":
            let c = try requireCluster(), filter = try self.filter(args)
            list(c.pending.filter(filter), as: "dropped", else: "nothing to drop")
            c.drop(where: filter)
        case "duplicate":
            let c = try requireCluster(), filter = try self.filter(args)
            list(c.pending.filter(filter), as: "duplicated", else: "nothing to duplicate")
            c.duplicate(where: filter)
        case "cut":
            guard let word = args.first, let ends = try link(word), let from = ends.0, let to = ends.1 else {
                throw ScenarioError("cut needs one link, like `0→2`")
            }
            try requireCluster().cut(from: from, to: to)
        case "isolate":
            let i = try replica(args.first), c = try requireCluster()
            for j in c.replicas.indices where j != i {
                c.cut(from: i, to: j)
                c.cut(from: j, to: i)
            }
        case "heal":
            let c = try requireCluster()
            for l in c.cutLinks { c.heal(from: l.from, to: l.to) }
        case "crash":
            let i = try replica(args.first), c = try requireCluster()
            guard !c.crashed[i] else { throw ScenarioError("\(i) is already down") }
            c.crash(i)
        case "restart":
            let i = try replica(args.first), c = try requireCluster()
            guard c.crashed[i] else { throw ScenarioError("\(i) is running") }
            c.restart(i)
        case "tick":
            try tick(try replica(args.first), args.dropFirst().first ?? "")
        case "advance":
            guard let word = args.first, let interval = Interval(parsing: word) else {
                throw ScenarioError("advance needs a duration, like `150ms`")
            }
            try requireCluster().advance(interval)
        case "timers":
            let c = try requireCluster()
            for i in c.replicas.indices {
                let armed = dialect.timers.compactMap { t in c.deadline(of: t.id, at: i).map { "\(t.name)@\($0)" } }
                print("\(i) " + (armed.isEmpty ? "none" : armed.joined(separator: " ")))
            }
        case "queued":
            let c = try requireCluster()
            for e in c.pending { print(render(e)) }
            if c.pending.isEmpty { print("nothing queued") }
        case "status":
            let c = try requireCluster()
            for (i, r) in c.replicas.enumerated() {
                print(c.crashed[i] ? "\(i) down" : "\(i) \(dialect.status(r))")
            }
        default:
            guard let handler = dialect.verbs[verb] else { throw ScenarioError("unknown command `\(verb)`") }
            try handler(self, args)
        }
    }

    private func makeCluster(_ args: [String]) throws {
        var options = try ScenarioOptions(args)
        guard let n = try options.number("n", minimum: 1) else { throw ScenarioError("cluster needs n=<replicas>") }
        let make = try dialect.makeReplicas(n, options)
        let c = LockstepCluster(count: n, make: make)
        c.clientCredentials = dialect.clientCredentials?(c.replicas[0])
        c.observer = { [unowned self] step in self.printStep(step) }
        cluster = c
        nextSequence = [:]
    }

    private func propose(_ args: [String]) throws {
        let i = try replica(args.first)
        var rest = Array(args.dropFirst())
        var client: UInt32 = 1
        var sequence: UInt64?
        if let first = rest.first, first.hasPrefix("c"), let hash = first.firstIndex(of: "#") {
            guard let c = UInt32(first[first.index(after: first.startIndex) ..< hash]),
                  let s = UInt64(first[first.index(after: hash)...]) else { throw ScenarioError("`\(first)` is not a request id like c3#1") }
            client = c
            sequence = s
            rest.removeFirst()
        }
        let command = try parseCommand(rest)
        let s = sequence ?? (nextSequence[client] ?? 1)
        nextSequence[client] = max(nextSequence[client] ?? 1, s + 1)
        let request = ClientRequest(client: ClientID(Int(client)), sequence: s, command: command)
        if !(try requireCluster().handNow(.clientRequest(request), to: i)) { print("\(i) is down") }
    }

    private func parseCommand(_ words: [String]) throws -> Command {
        func number(_ w: String?) throws -> UInt64 {
            guard let w, let v = UInt64(w.drop { $0 == "k" || $0 == "v" }) else { throw ScenarioError("`\(w ?? "")` is not a number") }
            return v
        }
        switch words.first {
        case "put": return .put(Key(try number(words.dropFirst().first)), Value(tag: try number(words.dropFirst(2).first), size: 16))
        case "get": return .get(Key(try number(words.dropFirst().first)))
        default: throw ScenarioError("a request is `put <key> <value>` or `get <key>`")
        }
    }

    private func deliver(_ args: [String]) throws {
        var limit = 100_000
        var rest = args
        if let k = rest.firstIndex(where: { $0.hasPrefix("max=") }) {
            guard let v = Int(rest[k].dropFirst(4)), v >= 1 else { throw ScenarioError("max= needs a positive number") }
            limit = v
            rest.remove(at: k)
        }
        let filter = try self.filter(rest)
        if try requireCluster().deliverAll(limit: limit, where: filter) == 0 { print("nothing to deliver") }
    }

    /// `[from→to] [Kind]` as a filter over queued inputs.
    private func filter(_ args: [String]) throws -> (Envelope<R.Message>) -> Bool {
        var from: Int?, to: Int?, kind: String?
        for a in args {
            if let ends = try link(a) {
                from = ends.0
                to = ends.1
            } else {
                kind = a
            }
        }
        return { e in
            if let to, e.to != to { return false }
            guard let m = e.message, let sender = e.sender else { return from == nil && kind == nil }
            if let from, sender != from { return false }
            if let kind, !"\(m)".hasPrefix(kind + " ") && "\(m)" != kind { return false }
            return true
        }
    }

    /// `0→2`, `0->2`, `*→2`: (from, to), nil for `*`. Nil when `word` is not a link.
    private func link(_ word: String) throws -> (Int?, Int?)? {
        let arrow = word.replacingOccurrences(of: "->", with: "→")
        guard arrow.contains("→") else { return nil }
        let parts = arrow.split(separator: "→", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw ScenarioError("`\(word)` is not a link like 0→2") }
        func end(_ p: Substring) throws -> Int? { p == "*" ? nil : try replica(String(p)) }
        return (try end(parts[0]), try end(parts[1]))
    }

    // MARK: Printing

    private func list(_ envelopes: [Envelope<R.Message>], as verb: String, else none: String) {
        for e in envelopes { print("\(verb) " + render(e)) }
        if envelopes.isEmpty { print(none) }
    }

    func render(_ e: Envelope<R.Message>) -> String {
        switch e.input {
        case .message(let m, let from): return "\(from.rawValue)→\(e.to) \(m)"
        case .clientRequest(let r): return "c\(r.client.rawValue)→\(e.to) request \(r.notation)"
        case .timer(let t): return "\(e.to) \(dialect.timerName(t)) timer fires"
        }
    }

    private func printStep(_ step: LockstepCluster<R>.Step) {
        let i = step.replica
        switch step.cause {
        case .input(let input): print(render(Envelope(to: i, input: input)))
        case .start(let restarted): print(restarted ? "\(i) restarts from its disk" : "\(i) starts")
        }
        var persisted = false
        for effect in step.effects {
            switch effect {
            case .persist:
                if persisted { continue }  // no message between two writes: they write the same state
                persisted = true
            case .setTimer, .cancelTimer:
                break
            default:
                persisted = false
            }
            switch effect {
            case .send(let m, let to): print("  \(i)→\(to.rawValue) \(m)")
            case .broadcast(let m): print("  \(i)→* \(m)")
            case .reply(let r): print("  \(i)→c\(r.client.rawValue) reply \(r.notation)")
            case .applied(let position, let request, let executed):
                print("  \(i) applies \(position): \(request.notation)\(executed ? "" : " (already executed: skipped)")")
            case .becameLeader(let epoch): print("  \(i) becomes leader of \(dialect.epochName) \(epoch)")
            case .rejected(let kind): print("  \(i) rejects a \(kind < R.Message.kindNames.count ? R.Message.kindNames[kind] : "client request")")
            case .unsafe(let detail): print("  \(i) finds the run unsafe: \(detail)")
            case .persist: print("  \(i) persists")
            case .setTimer, .cancelTimer: break
            }
        }
    }
}
