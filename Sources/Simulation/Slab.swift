/// Values parked by slot number while one queue entry or inbox entry refers to them. Freed slots are
/// reused, so a slab stays as large as the busiest moment of the run, and an event queue entry stays a
/// few trivially-copyable words however large what it refers to.
struct Slab<Element> {
    private var values: [Element?] = []
    private var free: [Int32] = []

    mutating func store(_ value: Element) -> Int32 {
        if let slot = free.popLast() {
            values[Int(slot)] = value
            return slot
        }
        values.append(value)
        return Int32(values.count - 1)
    }

    /// The value in `slot`, which is freed.
    mutating func take(_ slot: Int32) -> Element {
        free.append(slot)
        return values[Int(slot)].take()!
    }

    /// Values not yet taken.
    var liveCount: Int { values.count - free.count }
}
