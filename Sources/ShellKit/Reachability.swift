import ConsensusCore

/// Who can reach whom under the partition and the cut links in force: partition groups (a message
/// crosses only within a group; a replica named in no group is alone) and single links cut in both
/// directions. The simulator keeps one; the tcp shells' controller keeps one and hands each replica its
/// row. Either way a frame is dropped at the send path, after it was counted.
public struct Reachability: Sendable, Equatable {
    /// Partition group of each replica.
    @usableFromInline var group: [Int]
    @usableFromInline var cut: [Bool] = []
    @usableFromInline var anyCut = false
    /// Per replica: cut off from the clients (`Fault.cutClients`).
    @usableFromInline var clientCut: [Bool] = []
    @usableFromInline var anyClientCut = false

    public init(replicaCount: Int) { group = Array(repeating: 0, count: replicaCount) }

    public var replicaCount: Int { group.count }

    /// Splits the replicas into `groups`; each replica not named is isolated on its own.
    public mutating func partition(_ groups: [[NodeID]]) {
        for i in group.indices { group[i] = -1 - i }
        for (g, members) in groups.enumerated() {
            for m in members where m.index < group.count { group[m.index] = g }
        }
    }

    /// Cuts the link between two replicas in both directions.
    public mutating func cutLink(_ a: NodeID, _ b: NodeID) {
        let n = group.count
        if cut.isEmpty { cut = Array(repeating: false, count: n * n) }
        cut[a.index * n + b.index] = true
        cut[b.index * n + a.index] = true
        anyCut = true
    }

    /// Cuts the clients off from `replicas`, both directions.
    public mutating func cutClients(_ replicas: [NodeID]) {
        if clientCut.isEmpty { clientCut = Array(repeating: false, count: group.count) }
        for r in replicas where r.index < group.count { clientCut[r.index] = true }
        anyClientCut = clientCut.contains(true)
    }

    /// Heals every partition and cut link, the clients' too.
    public mutating func heal() {
        for i in group.indices { group[i] = 0 }
        if anyCut { for i in cut.indices { cut[i] = false } }
        anyCut = false
        if anyClientCut { for i in clientCut.indices { clientCut[i] = false } }
        anyClientCut = false
    }

    /// True when the clients and `replica` reach each other.
    @inlinable @inline(__always)
    public func clientLinkOpen(_ replica: Int) -> Bool { !anyClientCut || !clientCut[replica] }

    /// True when a frame from `a` reaches `b`.
    @inlinable @inline(__always)
    public func isOpen(_ a: Int, _ b: Int) -> Bool {
        if group[a] != group[b] { return false }
        if anyCut && cut[a * group.count + b] { return false }
        return true
    }

    /// What `replica` can reach, by destination (the tcp shell hands each replica its row).
    public func row(of replica: Int) -> [Bool] { (0 ..< group.count).map { isOpen(replica, $0) } }
}
