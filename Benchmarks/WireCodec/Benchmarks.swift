// The wire codec (ConsensusCore/Wire*.swift, Frame.swift, and each protocol's +Wire.swift): encode and
// decode of the client messages every protocol carries and of each protocol's steady-state messages, as
// the TCP shell frames them. Each iteration handles 1000 messages (`scalingFactor: .kilo`), so
// the per-message figures are the reported ones divided by 1000 (`--scale` shows them per iteration).
//
// Encoding appends into one reused `WireWriter` (what a connection does), so a steady state allocates
// nothing; decoding reads from bytes prepared before the measurement. The gate is the malloc count per
// iteration: zero today for everything but the decoding of messages that carry arrays (a PBFT
// authenticator's MACs, a PRE-PREPARE's batch), and any allocation that creeps into the hot path shows
// up as 1000 more.

import Benchmark
import ConsensusCore
import MultiPaxos
import PBFT
import Raft

let value = Value(tag: 0x1234_5678, size: 16)
let putRequest = ClientRequest(client: ClientID(7), sequence: 42, command: .put(Key(314), value))
let getRequest = ClientRequest(client: ClientID(7), sequence: 43, command: .get(Key(314)))
let valueReply = ClientReply(client: ClientID(7), sequence: 43, replica: NodeID(2), outcome: .executed(.value(value)))
let redirectReply = ClientReply(client: ClientID(7), sequence: 44, replica: NodeID(1), outcome: .redirect(hint: NodeID(0)))
let casCommand = Command.cas(Key(314), expected: value, new: Value(tag: 0x9abc, size: 16))

// MARK: Protocol messages, as a steady state sends them (the put above is the request they order)

let raftAppendEntries = Raft.Message.appendEntries(Raft.AppendEntries(
    term: 3, prevLogIndex: 41, prevLogTerm: 3, entries: .one(Raft.Entry(term: 3, request: putRequest)), leaderCommit: 40))
let raftAppendEntriesResponse = Raft.Message.appendEntriesResponse(Raft.AppendEntriesResponse(term: 3, outcome: .success(matchIndex: 42)))

let paxosBallot = MultiPaxos.Ballot(round: 1, node: NodeID(0))
let paxosAccept = MultiPaxos.Message.accept(ballot: paxosBallot, slot: 42, chosenUpTo: 41, value: .one(putRequest))
let paxosAccepted = MultiPaxos.Message.accepted(ballot: paxosBallot, slot: 42)
let paxosCommit = MultiPaxos.Message.commit(ballot: paxosBallot, slot: 42)

/// `--auth mac` in a 4-replica cluster: one 128-bit MAC per replica in every multicast (the values do not
/// matter to the codec).
let pbftAuthenticator = PBFT.Authenticator.macs((0 ..< 4).map { PBFT.MAC(high: 0x0123_4567_89ab_cdef &* UInt64($0 + 1), low: UInt64($0)) })
let pbftDigest = PBFT.Digest(0x1111, 0x2222, 0x3333, 0x4444)
let pbftPrePrepare = PBFT.PrePrepare(view: 0, sequence: 42, digest: pbftDigest, requests: [putRequest], primary: NodeID(0),
                                     authenticator: pbftAuthenticator)
let pbftPrepare = PBFT.Prepare(view: 0, sequence: 42, digest: pbftDigest, replica: NodeID(2), authenticator: pbftAuthenticator)
let pbftCommit = PBFT.Commit(view: 0, sequence: 42, digest: pbftDigest, replica: NodeID(2), authenticator: pbftAuthenticator)

/// Registers the encode and the decode benchmark of one peer message, whole frames as the TCP shell sends
/// them. `matches` checks the decoded message (PBFT's messages are not `Equatable` as a whole).
func peerMessageBenchmarks<M: WireMessage>(_ name: String, _ message: M, sender: NodeID, matches: @escaping (M) -> Bool) {
    Benchmark("encode-\(name)-frame") { benchmark in
        var w = WireWriter(capacity: 4096)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            w.clear()
            Wire.writeFrame(channel: .peer, sender: sender.rawValue, into: &w) { message.encode(into: &$0) }
            blackHole(w.count)
        }
    }
    Benchmark("decode-\(name)-frame") { benchmark in
        let bytes = Wire.encodeFrame(message, from: sender)
        precondition(bytes.count == Wire.frameSize(of: message))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var frame = try Wire.decodeFrame(bytes)
            let decoded = try M.decode(from: &frame.body)
            precondition(frame.channel == .peer && frame.body.remaining == 0 && matches(decoded))
            blackHole(decoded)
        }
    }
}

/// One frame of `request` as a client sends it.
func requestFrame(_ request: ClientRequest) -> [UInt8] {
    var w = WireWriter(capacity: Wire.frameSize(of: request))
    Wire.writeFrame(channel: .clientRequest, sender: -1, into: &w) { request.encode(into: &$0) }
    return Array(w.bytes)
}

/// One frame of `reply` as a replica sends it.
func replyFrame(_ reply: ClientReply) -> [UInt8] {
    var w = WireWriter(capacity: Wire.frameSize(of: reply))
    Wire.writeFrame(channel: .clientReply, sender: reply.replica.rawValue, into: &w) { reply.encode(into: &$0) }
    return Array(w.bytes)
}

// Names without spaces or slashes, so `thresholds check` finds the files `thresholds update` wrote
// (ordo-one/benchmark#301, #373).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        // No cpuTotal: reading it parses /proc inside the measured region, which adds 16 mallocs per iteration.
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(1),
        maxIterations: 2000,
        thresholds: [
            // Zero today; any per-message allocation would add 1000 per iteration.
            .mallocCountTotal: .init(absolute: [.p90: 2]),
            .wallClock: .none, .throughput: .none,
        ])

    // MARK: Encode: whole frames appended to one reused buffer.

    for (name, request) in [("put", putRequest), ("get", getRequest)] {
        Benchmark("encode-ClientRequest-\(name)-frame") { benchmark in
            var w = WireWriter(capacity: 4096)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                w.clear()
                Wire.writeFrame(channel: .clientRequest, sender: -1, into: &w) { request.encode(into: &$0) }
                blackHole(w.count)
            }
        }
    }
    for (name, reply) in [("value", valueReply), ("redirect", redirectReply)] {
        Benchmark("encode-ClientReply-\(name)-frame") { benchmark in
            var w = WireWriter(capacity: 4096)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                w.clear()
                Wire.writeFrame(channel: .clientReply, sender: reply.replica.rawValue, into: &w) { reply.encode(into: &$0) }
                blackHole(w.count)
            }
        }
    }
    Benchmark("encode-Command-cas") { benchmark in
        var w = WireWriter(capacity: 4096)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            w.clear()
            casCommand.encode(into: &w)
            blackHole(w.count)
        }
    }

    // MARK: Decode: frame header, then the body, insisting it is consumed exactly.

    for (name, request) in [("put", putRequest), ("get", getRequest)] {
        Benchmark("decode-ClientRequest-\(name)-frame") { benchmark in
            let bytes = requestFrame(request)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                var frame = try Wire.decodeFrame(bytes)
                let decoded = try ClientRequest.decode(from: &frame.body)
                precondition(frame.body.remaining == 0 && decoded == request)
                blackHole(decoded)
            }
        }
    }
    for (name, reply) in [("value", valueReply), ("redirect", redirectReply)] {
        Benchmark("decode-ClientReply-\(name)-frame") { benchmark in
            let bytes = replyFrame(reply)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                var frame = try Wire.decodeFrame(bytes)
                let decoded = try ClientReply.decode(from: &frame.body)
                precondition(frame.body.remaining == 0 && decoded == reply)
                blackHole(decoded)
            }
        }
    }
    Benchmark("decode-Command-cas") { benchmark in
        var w = WireWriter()
        casCommand.encode(into: &w)
        let bytes = Array(w.bytes)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var r = WireReader(bytes)
            let decoded = try Command.decode(from: &r)
            precondition(r.remaining == 0 && decoded == casCommand)
            blackHole(decoded)
        }
    }

    // MARK: Protocol messages: encode and decode, per type

    peerMessageBenchmarks("Raft-AppendEntries-one-entry", raftAppendEntries, sender: NodeID(0)) { $0 == raftAppendEntries }
    peerMessageBenchmarks("Raft-AppendEntriesResponse", raftAppendEntriesResponse, sender: NodeID(1)) { $0 == raftAppendEntriesResponse }
    peerMessageBenchmarks("MultiPaxos-Accept", paxosAccept, sender: NodeID(0)) { $0 == paxosAccept }
    peerMessageBenchmarks("MultiPaxos-Accepted", paxosAccepted, sender: NodeID(1)) { $0 == paxosAccepted }
    peerMessageBenchmarks("MultiPaxos-Commit", paxosCommit, sender: NodeID(0)) { $0 == paxosCommit }
    peerMessageBenchmarks("PBFT-PrePrepare-mac", PBFT.Message.prePrepare(pbftPrePrepare), sender: NodeID(0)) {
        if case .prePrepare(let m) = $0 { return m == pbftPrePrepare } else { return false }
    }
    peerMessageBenchmarks("PBFT-Prepare-mac", PBFT.Message.prepare(pbftPrepare), sender: NodeID(2)) {
        if case .prepare(let m) = $0 { return m == pbftPrepare } else { return false }
    }
    peerMessageBenchmarks("PBFT-Commit-mac", PBFT.Message.commit(pbftCommit), sender: NodeID(2)) {
        if case .commit(let m) = $0 { return m == pbftCommit } else { return false }
    }
}
