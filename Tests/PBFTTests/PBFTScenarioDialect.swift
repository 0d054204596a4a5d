import ConsensusCore
import LockstepTesting
@testable import PBFT

/// PBFT's words in the scenario scripts of `testdata/`: cluster options, timer names and the status line.
///
///   cluster n=4 auth=mac checkpoint=4 batch=4 pipeline=1
///   tick 2 request                  a backup's request timer expires (§4.4)
///   status  →  `1 primary view=1 active executed=2 h=0 log=[1:committed 2:committed]`
var pbftDialect: ScenarioDialect<PBFT.Replica> { ScenarioDialect(
    epochName: "view",
    timers: [("request", PBFT.Timers.request), ("viewchange", PBFT.Timers.viewChange), ("fetch", PBFT.Timers.fetch),
             ("retransmit", PBFT.Timers.retransmit), ("probe", PBFT.Timers.probe)],
    makeReplicas: { n, options in
        var options = options, s = PBFT.Settings()
        if let name = options.text("auth") {
            guard let auth = PBFT.Authentication(rawValue: name) else { throw ScenarioError("auth is mac, sig or none (got `\(name)`)") }
            s.auth = auth
        }
        if let k = try options.number("checkpoint", minimum: 1) { s.checkpointInterval = k }
        if let k = try options.number("batch", minimum: 1) { s.maxBatch = k }
        if let k = try options.number("pipeline", minimum: 1) { s.pipelineDepth = k }
        try options.requireAllRead(by: "pbft")
        return replicaMaker(n: n, settings: s)
    },
    status: { r in
        var log: [String] = []
        var n = r.lowWaterMark + 1
        while n <= r.highWaterMark {
            if r.isCommitted(n) { log.append("\(n):committed") }
            else if r.isPrepared(n) { log.append("\(n):prepared") }
            else if r.acceptedDigest(n) != nil { log.append("\(n):pre-prepared") }
            n += 1
        }
        return "\(r.isPrimary ? "primary" : "backup") view=\(r.view) \(r.isViewActive ? "active" : "changing") "
            + "executed=\(r.lastExecuted) h=\(r.lowWaterMark) log=[\(log.joined(separator: " "))]"
    },
    clientCredentials: { r in PBFT.Replica.clientCredentials(cluster: r.cluster, settings: r.settings) }) }
