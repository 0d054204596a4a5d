import ConsensusCore

/// Chained HotStuff (Yin, Malkhi, Reiter, Gueta, Abraham, "HotStuff: BFT Consensus with Linearity and
/// Responsiveness", PODC 2019), Algorithms 3–5: one block per view, each carrying the quorum
/// certificate (QC) of its parent, so that every phase of basic HotStuff is pipelined into the next
/// view's proposal. A replica votes for a proposal by signing it and sending the vote to the next
/// view's leader only, which forms the QC out of 2f+1 votes and forwards it in its own proposal: every
/// message of the normal case goes from the leader to all or from all to one leader, so messages per
/// block grow with n (PBFT's all-to-all PREPARE and COMMIT grow with n²).
///
/// The rules, in the paper's words and this module's names:
/// - **Voting** (`safeNode`, Algorithm 1): vote at most once per view, and only for a block that extends
///   the locked block, or whose QC is newer than the lock (the liveness rule that unlocks).
/// - **Locking** (two-chain): on a QC for b'', lock on b' = b''.justify.block.
/// - **Committing** (three-chain): on a QC for b'', with b'' ← b' ← b linked by QCs in consecutive views
///   (the paper's direct-parent chain: it inserts dummy blocks so that heights follow views), commit b
///   and its ancestors.
/// - **Pacemaker** (Algorithm 5, here as DiemBFT's round synchronizer makes it concrete): the leader of
///   view v is v mod n; a replica with work pending that sees no progress within its view timeout
///   broadcasts a signed NEW-VIEW for v+1 carrying its highest QC; f+1 NEW-VIEWs for a view make a
///   replica join it, 2f+1 let its leader propose on the highest QC among them. Timeouts double while
///   no block commits.
///
/// Blocks are named by SHA-256 hash and votes are Ed25519 signatures, as in real implementations; a
/// QC carries its 2f+1 signatures (swift-crypto has no aggregate or threshold signatures), so a
/// proposal's bytes grow with n even where its message count does not.
public enum HotStuff {
    /// The timers a HotStuff replica arms.
    public enum Timers {
        /// No progress in this view while work is pending: time out and send NEW-VIEW for the next view.
        public static let view = TimerID(0)
        /// A block fetch got no answer: ask another replica.
        public static let fetch = TimerID(1)
        /// A state transfer got no f+1 matching answers yet: ask again.
        public static let state = TimerID(2)
    }

    /// The leader of `view` for a proposal extending `parent`. Leaders rotate every view, but only
    /// among the replicas whose votes certified the parent's parent (`parent.justify`), when the
    /// proposal follows its parent directly (the view after it): a crashed or silent replica signs no
    /// QC, so it leaves the rotation. Otherwise (the view after a timeout, or the first) plain
    /// round-robin, v mod n.
    ///
    /// Why not plain round-robin throughout: a block commits only at the head of a three-chain in
    /// consecutive views whose QC a fourth leader forwards, so round-robin needs four live leaders in
    /// a row, and with n = 4 and one replica down no block would ever commit. Excluding replicas that
    /// did not vote is the simplest form of the leader reputation LibraBFT and Carousel (Cohen et al.,
    /// 2022) add to chained HotStuff for the same reason. Every replica computes it from the proposal's
    /// own ancestry, so all agree on who may propose it; who leads never matters for safety.
    @inlinable public static func leader(of view: UInt64, extending parent: Block, replicaCount n: Int) -> NodeID {
        let signers = parent.justify.votes
        if parent.view + 1 == view, !signers.isEmpty { return signers[Int(view % UInt64(signers.count))].replica }
        return NodeID(Int(view % UInt64(n)))
    }

    /// The quorum of a Byzantine cluster: any two intersect in at least one honest replica,
    /// ⌈(n+f+1)/2⌉ (2f+1 when n = 3f+1).
    @inlinable public static func quorum(_ cluster: ClusterConfig) -> Int {
        (cluster.replicaCount + cluster.faultTolerance) / 2 + 1
    }
}
