/// The simulator's main event queue: a calendar queue (Brown, CACM 1988) in front of two heaps.
///
/// Time is cut into buckets of 1.024 µs. The bucket being drained is a small heap (`near`); the next
/// 1023 buckets are plain arrays that entries are appended to; anything beyond that horizon (timers,
/// mostly) waits in a heap of its own (`far`) until the horizon reaches it. Most entries are message
/// deliveries a few hundred microseconds ahead, so they are appended to an array and later moved, with
/// their bucket, into a heap of a few dozen entries that stays in the cache. A single heap of every
/// pending delivery (tens of thousands at PBFT n = 100) missed the cache at each of its levels and
/// took a fifth of the run. The order is exactly the heap's: by time, then by sequence.
///
/// The calendar moves on when the simulator looks at the next entry, which may be well before it takes
/// it (a replica's wake-up comes first); what is scheduled meanwhile for that bucket or an earlier one
/// goes into `near` too. Sorting each bucket instead of keeping `near` a heap, and moving on only as far
/// as the earliest wake-up allows, were both measured and gained nothing. The 1024 bucket arrays are
/// allocated once per simulator: about 3000 mallocs a run, none per event.
struct CalendarQueue {
    static let bucketShift = 10
    static let bucketCount = 1024
    private static var mask: Int64 { Int64(bucketCount - 1) }

    private var buckets: [[QueueEntry]] = Array(repeating: [], count: bucketCount)
    /// Entries of bucket `current` and earlier.
    private var near = EventQueue()
    /// Entries of bucket `current + bucketCount` and later.
    private var far = EventQueue()
    /// Entries in `buckets`: those of buckets `current + 1 ..< current + bucketCount`.
    private var bucketed = 0
    private var current: Int64 = 0

    var count: Int { near.count + bucketed + far.count }
    var isEmpty: Bool { count == 0 }

    mutating func insert(_ entry: QueueEntry) {
        let bucket = entry.time >> Self.bucketShift
        if bucket <= current {
            near.insert(entry)
        } else if bucket < current + Int64(Self.bucketCount) {
            buckets[Int(bucket & Self.mask)].append(entry)
            bucketed += 1
        } else {
            far.insert(entry)
        }
    }

    /// The earliest entry (mutating: it may move the calendar on to the next bucket with entries).
    mutating func min() -> QueueEntry? {
        if near.isEmpty { advance() }
        return near.min
    }

    /// Removes and returns the earliest entry; the queue must not be empty.
    mutating func removeMin() -> QueueEntry {
        if near.isEmpty { advance() }
        return near.removeMin()
    }

    /// `near` is empty: moves `current` on to the next bucket that holds anything (straight to the
    /// earliest far entry when every bucket is empty), makes it `near`, and brings the far entries the
    /// horizon now covers into their buckets.
    private mutating func advance() {
        while near.isEmpty, !isEmpty {
            if bucketed == 0, let next = far.min {
                current = Swift.max(current + 1, next.time >> Self.bucketShift)
            } else {
                current += 1
            }
            let slot = Int(current & Self.mask)
            if !buckets[slot].isEmpty {
                for entry in buckets[slot] { near.insert(entry) }
                bucketed -= buckets[slot].count
                buckets[slot].removeAll(keepingCapacity: true)
            }
            let horizon = current + Int64(Self.bucketCount)
            while let next = far.min, next.time >> Self.bucketShift < horizon {
                insert(far.removeMin())
            }
        }
    }
}
