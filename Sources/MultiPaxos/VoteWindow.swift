import ConsensusCore

extension MultiPaxos {
    /// The leader's phase-2 tallies for the slots it has in flight (PMMC's commanders, one per slot):
    /// a ring indexed by slot modulo a power-of-two capacity of at least `maxInflight`, with one bit per
    /// acceptor so a duplicated Accepted is not counted twice. Preallocated: recording a vote allocates
    /// nothing.
    struct VoteWindow {
        private let words: Int
        private let mask: Int
        private var bits: [UInt64]
        private var counts: [Int32]

        init(capacity: Int, replicaCount: Int) {
            var size = 1
            while size < capacity { size <<= 1 }
            words = (replicaCount + 63) / 64
            mask = size - 1
            bits = Array(repeating: 0, count: size * words)
            counts = Array(repeating: 0, count: size)
        }

        /// Starts a fresh tally for `slot` (the slot that last used this ring position is done).
        mutating func open(_ slot: UInt64) {
            let i = Int(truncatingIfNeeded: slot) & mask
            counts[i] = 0
            for w in 0 ..< words { bits[i * words + w] = 0 }
        }

        /// Records `voter`'s acceptance of `slot`; returns the votes so far, or nil for a repeat.
        mutating func record(_ slot: UInt64, voter: NodeID) -> Int? {
            let i = Int(truncatingIfNeeded: slot) & mask
            let word = i * words + (voter.index >> 6)
            let bit = UInt64(1) << UInt64(voter.index & 63)
            if bits[word] & bit != 0 { return nil }
            bits[word] |= bit
            counts[i] += 1
            return Int(counts[i])
        }

        func hasVoted(_ slot: UInt64, voter: NodeID) -> Bool {
            let i = Int(truncatingIfNeeded: slot) & mask
            return bits[i * words + (voter.index >> 6)] & (UInt64(1) << UInt64(voter.index & 63)) != 0
        }
    }

    /// Client requests waiting for a slot (the pipeline window is full, or phase 1 is still running):
    /// a growable ring, so steady-state pushes and pops allocate nothing.
    struct RequestQueue {
        private var storage: [ClientRequest]
        private var head = 0
        private(set) var count = 0

        init(capacity: Int = 64) {
            storage = Array(repeating: MultiPaxos.noopRequest, count: max(capacity, 1))
        }

        var isEmpty: Bool { count == 0 }

        mutating func push(_ request: ClientRequest) {
            if count == storage.count { grow() }
            storage[(head + count) % storage.count] = request
            count += 1
        }

        mutating func pop() -> ClientRequest? {
            guard count > 0 else { return nil }
            let request = storage[head]
            head = (head + 1) % storage.count
            count -= 1
            return request
        }

        private mutating func grow() {
            var bigger: [ClientRequest] = []
            bigger.reserveCapacity(storage.count * 2)
            for k in 0 ..< count { bigger.append(storage[(head + k) % storage.count]) }
            bigger.append(contentsOf: repeatElement(MultiPaxos.noopRequest, count: storage.count * 2 - count))
            storage = bigger
            head = 0
        }
    }
}
