// The wire codec (ConsensusCore/Wire*.swift, Frame.swift): encode and decode of the messages every protocol
// carries, as the TCP shell frames them. Each iteration handles 1000 messages (`scalingFactor: .kilo`), so
// the per-message figures are the reported ones divided by 1000 (`--scale` shows them per iteration).
//
// Encoding appends into one reused `WireWriter` (what a connection does), so a steady state allocates
// nothing; decoding reads from bytes prepared before the measurement. The gate is the malloc count per
// iteration: zero today, and any allocation that creeps into the hot path shows up as 1000.

import Benchmark
import ConsensusCore

let value = Value(tag: 0x1234_5678, size: 16)
let putRequest = ClientRequest(client: ClientID(7), sequence: 42, command: .put(Key(314), value))
let getRequest = ClientRequest(client: ClientID(7), sequence: 43, command: .get(Key(314)))
let valueReply = ClientReply(client: ClientID(7), sequence: 43, replica: NodeID(2), outcome: .executed(.value(value)))
let redirectReply = ClientReply(client: ClientID(7), sequence: 44, replica: NodeID(1), outcome: .redirect(hint: NodeID(0)))
let casCommand = Command.cas(Key(314), expected: value, new: Value(tag: 0x9abc, size: 16))

/// One frame of `request` as a client sends it.
func requestFrame(_ request: ClientRequest) -> [UInt8] {
    var w = WireWriter(capacity: Wire.frameSize(of: request))
    Wire.writeFrame(channel: .clientRequest, sender: -1, into: &w) { request.encode(into: &$0) }
    return w.bytes
}

/// One frame of `reply` as a replica sends it.
func replyFrame(_ reply: ClientReply) -> [UInt8] {
    var w = WireWriter(capacity: Wire.frameSize(of: reply))
    Wire.writeFrame(channel: .clientReply, sender: reply.replica.rawValue, into: &w) { reply.encode(into: &$0) }
    return w.bytes
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
                blackHole(w.bytes.count)
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
                blackHole(w.bytes.count)
            }
        }
    }
    Benchmark("encode-Command-cas") { benchmark in
        var w = WireWriter(capacity: 4096)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            w.clear()
            casCommand.encode(into: &w)
            blackHole(w.bytes.count)
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
        let bytes = w.bytes
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var r = WireReader(bytes)
            let decoded = try Command.decode(from: &r)
            precondition(r.remaining == 0 && decoded == casCommand)
            blackHole(decoded)
        }
    }
}
