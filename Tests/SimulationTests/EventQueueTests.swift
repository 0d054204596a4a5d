import ConsensusCore
@testable import Simulation
import Testing

/// Both queues must give exactly the order of a sorted list: by time, ties in the order scheduled.
@Suite("The event queues")
struct EventQueueTests {
    /// Interleaves inserts (times from `now` on, drawn by `ahead`) and removals; returns what came out
    /// and what a sort says should have.
    func drain(seed: UInt64, ahead: (inout DeterministicRandom) -> Int64,
               insert: (QueueEntry) -> Void, min: () -> QueueEntry?, removeMin: () -> QueueEntry)
        -> (taken: [UInt64], expected: [UInt64]) {
        var random = DeterministicRandom(seed: seed)
        var scheduled: [(time: Int64, sequence: UInt64)] = []
        var taken: [UInt64] = []
        var now: Int64 = 0
        for sequence in 0 ..< UInt64(30_000) {
            let time = now + ahead(&random)
            insert(QueueEntry(time: time, sequence: sequence, kind: .event, slot: Int32(sequence)))
            scheduled.append((time, sequence))
            while random.below(3) == 0, let top = min() {
                let entry = removeMin()
                #expect(entry.time >= now && entry.slot == top.slot)
                now = entry.time
                taken.append(UInt64(entry.slot))
            }
        }
        while min() != nil { taken.append(UInt64(removeMin().slot)) }
        scheduled.sort { $0.time != $1.time ? $0.time < $1.time : $0.sequence < $1.sequence }
        return (taken, scheduled.map(\.sequence))
    }

    @Test("the 4-ary heap gives entries by time, ties in the order they were scheduled")
    func heapOrder() {
        var queue = EventQueue()
        let (taken, expected) = drain(seed: 11, ahead: { Int64($0.below(8)) },  // few distinct times: many ties
                                      insert: { queue.insert($0) }, min: { queue.min }, removeMin: { queue.removeMin() })
        #expect(taken == expected)
    }

    @Test("the calendar queue gives the same order, whether entries fall in the current bucket, a later one or beyond the horizon",
          arguments: [Int64(8), 300_000, 5_000_000, 200_000_000])
    func calendarOrder(spread: Int64) {
        var queue = CalendarQueue()
        let (taken, expected) = drain(seed: UInt64(spread), ahead: { random in
            // Mostly within `spread`, some ties, now and then far beyond (a timer).
            random.below(10) == 0 ? Int64(random.below(Int(spread) * 50 + 1)) : Int64(random.below(Int(spread) + 1))
        }, insert: { queue.insert($0) }, min: { queue.min() }, removeMin: { queue.removeMin() })
        #expect(taken == expected)
        #expect(queue.isEmpty)
    }
}
