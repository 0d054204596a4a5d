import ConsensusCore

extension HotStuff.Replica {
    /// What holds between any two steps: views, votes, the lock and the committed height only go
    /// forward; the lock sits below highQC (it is the parent of a certified block); the committed block
    /// is kept, at or above the checkpoint; a replica votes only in a view it has entered.
    public func invariantViolation() -> String? {
        if view < floors.view { return "hotstuff \(id): view went back from \(floors.view) to \(view)" }
        if lastVotedView < floors.lastVotedView { return "hotstuff \(id): last voted view went back from \(floors.lastVotedView) to \(lastVotedView)" }
        if committedHeight < floors.committedHeight {
            return "hotstuff \(id): committed height went back from \(floors.committedHeight) to \(committedHeight)"
        }
        if lockedView < floors.lockedView { return "hotstuff \(id): lock went back from view \(floors.lockedView) to \(lockedView)" }
        if lastVotedView > view { return "hotstuff \(id): voted in view \(lastVotedView) while in view \(view)" }
        if lockedView > highQC.view { return "hotstuff \(id): locked in view \(lockedView) above highQC's view \(highQC.view)" }
        if committedHeight < checkpoint.block.height {
            return "hotstuff \(id): committed height \(committedHeight) below the checkpoint's \(checkpoint.block.height)"
        }
        if blocks[committedHash] == nil { return "hotstuff \(id): the committed block at height \(committedHeight) is not kept" }
        floors = HotStuff.Floors(view: view, lastVotedView: lastVotedView, committedHeight: committedHeight, lockedView: lockedView)
        return nil
    }
}
