/// The configuration of the search: the linearized set (with `firstOpen`), its memo key, and the
/// longest prefix kept for explanations.
extension KeySearch {
    @inline(__always) mutating func setLinearized(_ operation: Int) {
        if operation < definiteCount {
            definiteBits[operation >> 6] |= 1 << UInt64(operation & 63)
            while firstOpen < definiteCount && definiteBits[firstOpen >> 6] & (1 << UInt64(firstOpen & 63)) != 0 {
                firstOpen += 1
            }
        } else {
            let u = operation - definiteCount
            unknownBits[u >> 6] |= 1 << UInt64(u & 63)
        }
    }

    @inline(__always) mutating func isLinearizedUnknown(_ operation: Int) -> Bool {
        let u = operation - definiteCount
        return unknownBits[u >> 6] & (1 << UInt64(u & 63)) != 0
    }

    @inline(__always) mutating func clearLinearized(_ operation: Int) {
        if operation < definiteCount {
            definiteBits[operation >> 6] &= ~(1 << UInt64(operation & 63))
            if operation < firstOpen { firstOpen = operation }
        } else {
            let u = operation - definiteCount
            unknownBits[u >> 6] &= ~(1 << UInt64(u & 63))
        }
    }

    /// The memo key of the current configuration in `keyWords`: the state (with the must-observe
    /// obligation), `firstOpen`, the definite bits from `firstOpen` to its reach (everything below is
    /// linearized, nothing above can be), then the unknown bits (or zeros, for the dominance test).
    mutating func buildKey(_ stateKey: UInt64, withUnknownBits: Bool) {
        keyWords.removeAll(keepingCapacity: true)
        keyWords.append(stateKey)
        keyWords.append(UInt64(firstOpen))
        if firstOpen < definiteCount {
            let last = max(Int(reach[firstOpen]), firstOpen)
            for word in (firstOpen >> 6) ... (last >> 6) { keyWords.append(definiteBits[word]) }
        }
        if withUnknownBits {
            keyWords.append(contentsOf: unknownBits)
        } else {
            keyWords.append(contentsOf: repeatElement(0, count: unknownBits.count))
        }
    }

    /// Replaces the trailing zeros `buildKey(_:withUnknownBits: false)` wrote by the unknown bits.
    mutating func copyUnknownBitsIntoKey() {
        let base = keyWords.count - unknownBits.count
        for w in unknownBits.indices { keyWords[base + w] = unknownBits[w] }
    }

    mutating func recordBest() {
        let depth = stackEntries.count
        if bestPrefix.count > agreement { bestPrefix.removeSubrange(agreement...) }
        for i in agreement ..< depth { bestPrefix.append(Int32(frameOperation(stackEntries[i]))) }
        agreement = depth
        bestDepth = depth
    }
}
