import ConsensusCore
import ShellKit

/// The messages in flight between replicas, each stored once with a count of the deliveries (queued
/// events and inbox entries) that still refer to it. A PBFT PREPARE at n = 100 has 99 receivers:
/// stored per delivery, the messages in flight filled the cache and the event slab (a third of the
/// run's time went to copying them); stored once, a delivery is a 24-byte queue entry. A message a
/// Byzantine sender tampers with per receiver is stored once per receiver.
struct MessageTable<Message> {
    private var messages: [Message?] = []
    private var senders: [Int32] = []
    private var frameSizes: [Int32] = []
    private var references: [Int32] = []
    private var free: [Int32] = []

    /// Stores `message`, whose frame is `frameSize` bytes, with no references yet.
    mutating func store(_ message: Message, from sender: Int32, frameSize: Int) -> Int32 {
        if let slot = free.popLast() {
            messages[Int(slot)] = message
            senders[Int(slot)] = sender
            frameSizes[Int(slot)] = Int32(frameSize)
            references[Int(slot)] = 0
            return slot
        }
        messages.append(message)
        senders.append(sender)
        frameSizes.append(Int32(frameSize))
        references.append(0)
        return Int32(messages.count - 1)
    }

    mutating func retain(_ slot: Int32) { references[Int(slot)] &+= 1 }

    /// One delivery is done with `slot`; the last one frees it.
    mutating func release(_ slot: Int32) {
        references[Int(slot)] &-= 1
        if references[Int(slot)] == 0 { drop(slot) }
    }

    /// Frees `slot` if no delivery refers to it (every copy was lost or blocked).
    mutating func dropIfUnreferenced(_ slot: Int32) {
        if references[Int(slot)] == 0 { drop(slot) }
    }

    private mutating func drop(_ slot: Int32) {
        messages[Int(slot)] = nil
        free.append(slot)
    }

    /// Messages some delivery still refers to.
    var liveCount: Int { messages.count - free.count }

    func message(_ slot: Int32) -> Message { messages[Int(slot)]! }
    func sender(_ slot: Int32) -> Int32 { senders[Int(slot)] }
    /// Counted once when the message was sent, not again by each receiver.
    func frameSize(_ slot: Int32) -> Int { Int(frameSizes[Int(slot)]) }
}

extension Simulator {
    /// One peer message leaves `from` for `to`: a Byzantine sender's tampering first (the kit's
    /// `ByzantineBehavior.tamper`), then counted as it leaves, then subject to partitions, loss,
    /// bandwidth, latency, jitter, reordering and duplication.
    func send(_ original: Message, from: Int32, to: Int32, at clock: inout Int64) {
        var message = original
        var departure = clock
        if let behavior = byzantine[Int(from)] {
            let faulty = byzantine
            guard let tampered = behavior.tamper(original, to: to, isFaulty: { faulty[Int($0)] != nil }, cluster: cluster,
                                                 memory: &equivocationMemory[Int(from)]) else { return }
            message = tampered.message
            if tampered.delayed { departure += options.network.slowDelay.nanoseconds }
        }
        let size = Wire.frameSize(of: message)
        count(kind: message.kind, bytes: size, at: clock)
        if flushingCPU >= 0, departure == clock {
            holdForFlush(slot: messages.store(message, from: from, frameSize: size), from: from, to: to)
            return
        }
        let (arrival, duplicate) = route(size: size, from: from, to: to, departure: departure)
        guard arrival >= 0 else { return }
        let slot = messages.store(message, from: from, frameSize: size)
        scheduleDelivery(of: slot, to: to, at: arrival)
        if duplicate >= 0 { scheduleDelivery(of: slot, to: to, at: duplicate) }
    }

    /// An honest replica's broadcast: counted and routed per receiver exactly as `send` does (same
    /// order of PRNG draws and of scheduling), but the message is stored once.
    func multicast(_ message: Message, from node: Int32, at clock: inout Int64) {
        let size = Wire.frameSize(of: message)
        let kind = message.kind
        let perSend = sendCost[kind]
        let slot = messages.store(message, from: node, frameSize: size)
        for j in 0 ..< Int32(cluster.replicaCount) where j != node {
            clock += perSend
            if ticks.isOn { clock += ticks.writes(cpu: cpuOf[Int(node)], from: Int(node), to: Int(j)) }
            count(kind: kind, bytes: size, at: clock)
            if flushingCPU >= 0 {
                holdForFlush(slot: slot, from: node, to: j)
                continue
            }
            let (arrival, duplicate) = route(size: size, from: node, to: j, departure: clock)
            guard arrival >= 0 else { continue }
            scheduleDelivery(of: slot, to: j, at: arrival)
            if duplicate >= 0 { scheduleDelivery(of: slot, to: j, at: duplicate) }
        }
        messages.dropIfUnreferenced(slot)
    }

    func scheduleDelivery(of slot: Int32, to receiver: Int32, at time: Int64) {
        messages.retain(slot)
        queue.insert(entry(.message, at: time, slot: slot, receiver: receiver))
    }
}
