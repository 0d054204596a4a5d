/// The set of search configurations already explored: Lowe's memoization for the Wing & Gong
/// search (G. Lowe, "Testing for linearizability", 2017, §4): a configuration is the set of
/// operations linearized so far (a bitset over the key's operations) and the state they left.
/// Reaching a configuration a second time by another order cannot succeed where the first failed,
/// so the search skips it.
///
/// Flat storage, no per-entry allocation: entry `i` occupies `stride` words of `storage` (the bitset,
/// then the state), its full hash sits in `hashes[i]`, and an open-addressing table of entry numbers
/// (`slots`, linear probing, at most half full) finds it. Callers pass the hash, which they keep
/// incrementally (Zobrist hashing of the bitset, mixed with the state), so an insert costs one probe
/// and, only on a hash match, one comparison of `words` words.
struct MemoTable {
    private(set) var words = 0
    private var stride = 1
    private var storage: [UInt64] = []
    private var hashes: [UInt64] = []
    private var slots: [Int32] = []
    private var mask = 0
    private(set) var count = 0

    /// Empties the table for a key whose bitsets have `words` words, keeping the memory.
    mutating func reset(words: Int) {
        self.words = words
        stride = words + 1
        storage.removeAll(keepingCapacity: true)
        hashes.removeAll(keepingCapacity: true)
        count = 0
        if slots.count != 1024 {
            // First use, or a large key before: start small again.
            slots = Array(repeating: -1, count: 1024)
        } else {
            for i in slots.indices { slots[i] = -1 }
        }
        mask = slots.count - 1
    }

    /// Bytes held by the entries and the table (what the memory budget limits).
    var bytes: Int { storage.count * 8 + hashes.count * 8 + slots.count * 4 }

    /// Inserts (bits, state); false when it was already present. `state` is the caller's encoding
    /// of everything besides the set that the future of the search depends on.
    mutating func insert(_ bits: UnsafeBufferPointer<UInt64>, state: UInt64, hash: UInt64) -> Bool {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = Int(slots[slot])
            if entry < 0 { break }
            if hashes[entry] == hash && matches(entry, bits, state) { return false }
            slot = (slot + 1) & mask
        }
        slots[slot] = Int32(count)
        hashes.append(hash)
        storage.append(contentsOf: bits)
        storage.append(state)
        count += 1
        if count * 2 > slots.count { grow() }
        return true
    }

    private func matches(_ entry: Int, _ bits: UnsafeBufferPointer<UInt64>, _ state: UInt64) -> Bool {
        let base = entry * stride
        if storage[base + words] != state { return false }
        for w in 0 ..< words where storage[base + w] != bits[w] { return false }
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
