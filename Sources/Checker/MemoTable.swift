/// The set of search configurations already explored: Lowe's memoization for the Wing & Gong
/// search (G. Lowe, "Testing for linearizability", 2017, §4): a configuration is the set of
/// operations linearized so far and the state they left. Reaching a configuration a second time by
/// another order cannot succeed where the first failed, so the search skips it.
///
/// Flat storage, no per-entry allocation: entry `i` is the words `storage[starts[i] ..< starts[i + 1]]`
/// (the caller's compact encoding of the configuration, see `KeySearch`), its hash sits in
/// `hashes[i]`, and an open-addressing table of entry numbers (`slots`, linear probing, at most half
/// full) finds it. Callers pass the hash, which they keep incrementally (Zobrist hashing of the
/// linearized set, mixed with the state), so an insert costs one probe and, only on a hash match,
/// one comparison of a few words.
struct MemoTable {
    private var storage: [UInt64] = []
    private var starts: [Int] = [0]
    private var hashes: [UInt64] = []
    private var slots: [Int32] = []
    private var mask = 0
    private(set) var count = 0

    private static let initialSlots = 1024

    /// Empties the table, keeping the memory of the entries.
    mutating func reset() {
        storage.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        starts.append(0)
        hashes.removeAll(keepingCapacity: true)
        count = 0
        if slots.count != Self.initialSlots {
            // First use, or a large key before: start small again.
            slots = Array(repeating: -1, count: Self.initialSlots)
        } else {
            for i in slots.indices { slots[i] = -1 }
        }
        mask = slots.count - 1
    }

    /// Bytes held by the entries and the table (what the memory budget limits).
    var bytes: Int { storage.count * 8 + starts.count * 8 + hashes.count * 8 + slots.count * 4 }

    /// Inserts the configuration `words`; false when it was already present.
    mutating func insert(_ words: UnsafeBufferPointer<UInt64>, hash: UInt64) -> Bool {
        if slots.isEmpty { reset() }
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = Int(slots[slot])
            if entry < 0 { break }
            if hashes[entry] == hash && matches(entry, words) { return false }
            slot = (slot + 1) & mask
        }
        slots[slot] = Int32(count)
        hashes.append(hash)
        storage.append(contentsOf: words)
        starts.append(storage.count)
        count += 1
        if count * 2 > slots.count { grow() }
        return true
    }

    /// Whether the configuration `words` is present.
    func contains(_ words: UnsafeBufferPointer<UInt64>, hash: UInt64) -> Bool {
        if slots.isEmpty { return false }
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = Int(slots[slot])
            if entry < 0 { return false }
            if hashes[entry] == hash && matches(entry, words) { return true }
            slot = (slot + 1) & mask
        }
    }

    private func matches(_ entry: Int, _ words: UnsafeBufferPointer<UInt64>) -> Bool {
        let start = starts[entry]
        guard starts[entry + 1] - start == words.count else { return false }
        for w in 0 ..< words.count where storage[start + w] != words[w] { return false }
        return true
    }

    private mutating func grow() {
        let capacity = slots.count * 2
        slots = Array(repeating: -1, count: capacity)
        mask = capacity - 1
        for entry in 0 ..< count {
            var slot = Int(truncatingIfNeeded: hashes[entry]) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(entry)
        }
    }
}
