import ConsensusCore

extension MultiPaxos {
    /// A ballot ("proposal number" in Paxos Made Simple §2.2): a round and the proposer that owns it.
    /// Ordered by round, then node. Rounds are themselves owned: node `i` only ever uses rounds `r` with
    /// `(r − 1) mod n = i`, so a round names one proposer and `becameLeader(epoch: round)` is never
    /// reported twice for one epoch.
    public struct Ballot: Hashable, Comparable, Sendable, CustomStringConvertible {
        public var round: UInt64
        public var node: NodeID

        @inlinable public init(round: UInt64, node: NodeID) {
            self.round = round
            self.node = node
        }

        /// Below every ballot a proposer uses (proposers start at round 1): "nothing promised yet".
        public static let zero = Ballot(round: 0, node: NodeID(0))

        /// Rounds above this are refused on decode, so `round + n` can never overflow.
        public static let maximumRound: UInt64 = 1 << 62

        @inlinable public static func < (a: Ballot, b: Ballot) -> Bool {
            a.round != b.round ? a.round < b.round : a.node < b.node
        }

        public var description: String { "b\(round).\(node.rawValue)" }

        /// The first round above `round` that node `id` of an `n`-replica cluster owns.
        static func nextRound(after round: UInt64, for id: NodeID, replicaCount n: Int) -> UInt64 {
            let n = UInt64(n)
            let owned = UInt64(id.index)
            let offset = (owned + n - round % n) % n
            return round + offset + 1
        }
    }
}
