/// Unknown operations in groups of identical ones.
///
/// Two unknown operations that do the same thing (a `put` of the same value, a `cas` with the same
/// expectation and value; every lost write of a value nobody reads is one such group) are
/// interchangeable once both are candidates: neither has a return, so the one not chosen stays a
/// candidate forever, and choosing either leads to the same futures. So the search only ever takes
/// the earliest pending member of a group, the linearized members of a group are always its first
/// few, and the candidates walk visits one member per group instead of every pending operation.
extension KeySearch {
    /// The next member of group `g` to linearize (its number u among the unknown operations).
    @inline(__always) mutating func groupHead(_ g: Int) -> Int {
        Int(groupMembers[Int(groupStart[g] + groupLinearized[g])])
    }

    /// Unknown operation u (the head of its group) takes effect.
    @inline(__always) mutating func advanceGroup(ofUnknown u: Int) {
        let g = Int(groupOfUnknown[u])
        groupLinearized[g] += 1
        if groupStart[g] + groupLinearized[g] == groupStart[g + 1] {
            // Every member is linearized: the group leaves the pending list.
            let p = Int(groupPrevious[g]), n = groupNext[g]
            groupNext[p] = n
            if n >= 0 { groupPrevious[Int(n)] = Int32(p) }
        }
    }

    /// Undoes `advanceGroup(ofUnknown: u)`.
    @inline(__always) mutating func retreatGroup(ofUnknown u: Int) {
        let g = Int(groupOfUnknown[u])
        if groupStart[g] + groupLinearized[g] == groupStart[g + 1] {
            groupNext[Int(groupPrevious[g])] = Int32(g)
            let n = groupNext[g]
            if n >= 0 { groupPrevious[Int(n)] = Int32(g) }
        }
        groupLinearized[g] -= 1
    }
}
