import ConsensusCore
import LockstepTesting
@testable import Raft

/// Raft's words in the scenario scripts of `testdata/`: cluster options, timer names, the status line,
/// and the verbs `campaign` and `disk`.
///
///   cluster n=3 prevote=off checkquorum=off batch=64 inflight=1 seed=42
///   campaign 1                      fire 1's election timer (again, while a follower's only re-armed)
///   disk 2 term=3 vote=1 log=1,1,2  what a crashed replica's disk holds (entries of these terms)
///   status  →  `0 leader term=1 vote=0 lead=0 commit=1 applied=1 log=[1/1 2/1]`
var raftDialect: ScenarioDialect<Raft.Replica> { ScenarioDialect(
    epochName: "term",
    timers: [("election", Raft.Timers.election), ("heartbeat", Raft.Timers.heartbeat),
             ("checkquorum", Raft.Timers.checkQuorum), ("batch", Raft.Timers.batch)],
    makeReplicas: { n, options in
        var options = options, settings = Raft.Settings()
        if let on = try options.flag("prevote") { settings.preVote = on }
        if let on = try options.flag("checkquorum") { settings.checkQuorum = on }
        if let k = try options.number("batch", minimum: 1) { settings.maxBatch = k }
        if let k = try options.number("inflight", minimum: 1) { settings.maxInflight = k }
        return try options.seededReplicas(Raft.Replica.self, n: n, settings: settings)
    },
    status: { r in
        let log = (1 ... max(1, r.lastIndex)).compactMap { i in r.entry(at: i).map { "\(i)/\($0.term)" } }
        return "\(r.role) term=\(r.currentTerm) vote=\(r.votedFor.map { "\($0.rawValue)" } ?? "-") "
            + "lead=\(r.knownLeader.map { "\($0.rawValue)" } ?? "-") commit=\(r.commitIndex) applied=\(r.lastApplied) "
            + "log=[\(log.joined(separator: " "))]"
    },
    verbs: [
        "campaign": { script, args in
            let i = try script.replica(args.first)
            let cluster = try script.requireCluster()
            // A follower's timer may only re-arm (its clock restarted since the timer was set): fire again.
            guard try script.tick(i, "election") else { return }
            for _ in 0 ..< 3 where cluster.replicas[i].role == .follower {
                guard try script.tick(i, "election") else { return }
            }
        },
        "disk": { script, args in
            let i = try script.replica(args.first)
            var fields = try ScenarioOptions(args.dropFirst()), state = Raft.DurableState()
            state.currentTerm = UInt64(try fields.number("term") ?? 0)
            state.votedFor = try fields.number("vote").map { NodeID($0) }
            let terms = try fields.numbers("log") ?? []
            state.log = Raft.Log(terms.enumerated().map { k, t in
                Raft.Entry(term: UInt64(t), request: ClientRequest(client: ClientID(9), sequence: UInt64(k + 1),
                                                                   command: .put(Key(UInt64(k + 1)), Value(tag: UInt64(k + 1), size: 16))))
            })
            try fields.requireAllRead(by: "disk")
            let cluster = try script.requireCluster()
            guard cluster.crashed[i] else { throw ScenarioError("\(i) is running: crash it before changing its disk") }
            cluster.writeDisk(i, state)
        },
    ]) }
