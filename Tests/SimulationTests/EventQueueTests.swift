import ConsensusCore
@testable import Simulation
import Testing

@Suite("The event queue")
struct EventQueueTests {
    @Test("entries come out by time, ties in the order they were scheduled, however inserts and removals interleave")
    func totalOrder() {
        var random = DeterministicRandom(seed: 11)
        var queue = EventQueue()
        var reference: [(time: Int64, sequence: UInt64)] = []
        var taken: [(time: Int64, sequence: UInt64)] = []
        var sequence: UInt64 = 0
        var now: Int64 = 0
        for _ in 0 ..< 20_000 {
            if random.below(3) < 2 {
                // Few distinct times, so many ties.
                let time = now + Int64(random.below(8))
                queue.insert(QueueEntry(time: time, sequence: sequence, kind: .event, slot: Int32(truncatingIfNeeded: sequence)))
                reference.append((time, sequence))
                sequence += 1
            } else if let top = queue.min {
                let entry = queue.removeMin()
                #expect(entry.time == top.time && entry.slot == top.slot)
                now = entry.time
                taken.append((entry.time, UInt64(UInt32(bitPattern: entry.slot))))
            }
        }
        while !queue.isEmpty {
            let entry = queue.removeMin()
            taken.append((entry.time, UInt64(UInt32(bitPattern: entry.slot))))
        }
        reference.sort { $0.time != $1.time ? $0.time < $1.time : $0.sequence < $1.sequence }
        #expect(taken.count == reference.count)
        #expect(taken.map(\.time) == reference.map(\.time))
        #expect(taken.map(\.sequence) == reference.map(\.sequence))
    }
}
