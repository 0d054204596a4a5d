/// The simulator's priority queue: a 4-ary min-heap of queue entries. swift-collections' `Heap` is a
/// min-max heap, which pays for its max end on every removal (it compares grandchildren as well as
/// children); the simulator only ever takes the minimum. Four children to a node halve the heap's
/// depth and sit side by side in memory, so a removal touches half as many cache lines. At PBFT n = 100
/// the queue took a third of the run as a min-max heap (see the README's speed section).
struct EventQueue {
    private var entries: [QueueEntry] = []

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }
    /// The earliest entry.
    var min: QueueEntry? { entries.first }

    mutating func insert(_ entry: QueueEntry) {
        entries.append(entry)
        entries.withUnsafeMutableBufferPointer { Self.place(entry, from: $0.count - 1, in: $0) }
    }

    /// Removes and returns the earliest entry; the queue must not be empty.
    mutating func removeMin() -> QueueEntry {
        let last = entries.removeLast()
        guard !entries.isEmpty else { return last }
        return fillRoot(with: last)
    }

    /// Removes the earliest entry and inserts `entry`, in one pass: what a replica's wake-up does when
    /// the replica has more to handle (the queue must not be empty).
    mutating func replaceMin(with entry: QueueEntry) {
        _ = fillRoot(with: entry)
    }

    /// Returns the root and puts `last` where it belongs in its place. The hole left at the root goes
    /// down the path of smaller children to a leaf, and `last` moves up from there (Floyd's variant):
    /// the entry to place usually belongs near the bottom, so this saves a comparison per level.
    private mutating func fillRoot(with last: QueueEntry) -> QueueEntry {
        entries.withUnsafeMutableBufferPointer { heap in
            let top = heap[0]
            let count = heap.count
            var hole = 0
            while true {
                let first = hole << 2 + 1
                guard first < count else { break }
                var child = first
                if first + 3 < count {
                    // All four children: pick the smallest without branching on the comparisons.
                    let a = heap[first].key < heap[first + 1].key ? first : first + 1
                    let b = heap[first + 2].key < heap[first + 3].key ? first + 2 : first + 3
                    child = heap[a].key < heap[b].key ? a : b
                } else {
                    var next = first + 1
                    while next < count {
                        if heap[next].key < heap[child].key { child = next }
                        next += 1
                    }
                }
                heap[hole] = heap[child]
                hole = child
            }
            Self.place(last, from: hole, in: heap)
            return top
        }
    }

    /// Puts `entry` in the hole at `hole`, or above it: parents later than `entry` move down into the hole.
    @inline(__always)
    private static func place(_ entry: QueueEntry, from hole: Int, in heap: UnsafeMutableBufferPointer<QueueEntry>) {
        var hole = hole
        let key = entry.key
        while hole > 0 {
            let parent = (hole - 1) >> 2
            guard key < heap[parent].key else { break }
            heap[hole] = heap[parent]
            hole = parent
        }
        heap[hole] = entry
    }
}
