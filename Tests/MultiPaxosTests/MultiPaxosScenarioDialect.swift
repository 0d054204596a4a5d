import ConsensusCore
import LockstepTesting
@testable import MultiPaxos

/// Multi-Paxos's words in the scenario scripts of `testdata/`: cluster options, timer names and the
/// status line, and the verb `campaign`. Nobody runs phase 1 at start unless `proposers=` names it.
///
///   cluster n=3 proposers=0 commit=explicit checkquorum=off batch=4 seed=42
///   campaign 2                      fire 2's election timer (again, while it only re-arms) until phase 1 starts
///   status  →  `0 leader b1.0 promised=b1.0 chosen<2 log=[0@b1.0!=[no-op] 1@b1.0=[c1#1 put k1=v1]]`
///              (`slot@ballot=value` as accepted, `!` once known chosen)
var multiPaxosDialect: ScenarioDialect<MultiPaxos.Replica> { ScenarioDialect(
    epochName: "ballot round",
    timers: [("heartbeat", MultiPaxos.Replica.heartbeatTimer), ("election", MultiPaxos.Replica.electionTimer),
             ("batch", MultiPaxos.Replica.batchTimer)],
    makeReplicas: { n, options in
        var options = options, settings = MultiPaxos.Settings(initialProposers: [])
        if let ids = try options.numbers("proposers") { settings.initialProposers = ids.map { NodeID($0) } }
        if let name = options.text("commit") {
            guard let mode = ["piggyback": MultiPaxos.Settings.CommitMode.piggyback, "explicit": .explicit][name] else {
                throw ScenarioError("commit is piggyback or explicit (got `\(name)`)")
            }
            settings.commitMode = mode
        }
        if let on = try options.flag("checkquorum") { settings.checkQuorum = on }
        if let k = try options.number("batch", minimum: 1) { settings.maxBatch = k }
        return try options.seededReplicas(MultiPaxos.Replica.self, n: n, settings: settings)
    },
    status: { r in
        let slots = r.log.enumerated().compactMap { slot, s in
            s.value.map { "\(slot)@\(s.ballot)\(s.chosen ? "!" : "")=\($0.rendering)" }
        }
        return "\(r.role) \(r.ballot) promised=\(r.promised) chosen<\(r.firstUnchosenSlot) log=[\(slots.joined(separator: " "))]"
    },
    verbs: [
        // Fire the election timer until the replica runs phase 1 (a follower's timer may only re-arm:
        // it heard from the leader since the timer was set).
        "campaign": { script, args in
            let i = try script.replica(args.first)
            let cluster = try script.requireCluster()
            for _ in 0 ..< 4 {
                guard try script.tick(i, "election"), cluster.replicas[i].role == .follower else { return }
            }
        },
    ]) }
