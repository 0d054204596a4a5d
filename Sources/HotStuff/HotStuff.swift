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
/// - **Pacemaker** (Algorithm 5, here as DiemBFT's round synchronizer makes it concrete): leaders take
///   turns round-robin, 32 consecutive views each (`leader(of:)` says why); a replica with work
///   pending that sees no progress within its view timeout broadcasts a signed NEW-VIEW for the next
///   leader's first view, carrying its highest QC; f+1 NEW-VIEWs for a view make a replica join it,
///   2f+1 let its leader propose on the highest QC among them. Timeouts double while no block commits.
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
        /// Nothing committed for a while: ask another replica for its highest certified block.
        public static let probe = TimerID(3)
    }

    /// NEW-VIEWs kept per replica for views not yet reached (`forgetOldestNewViews`).
    public static let pendingNewViewsPerReplica = 8

    /// Consecutive views each leader keeps (its stint). At least four, so that a live leader's stint
    /// holds a commit's three-chain on its own; long enough that a crashed leader's stint (one view
    /// timeout, then the next leader's) costs a small share of the time.
    public static let viewsPerLeader: UInt64 = 32

    /// The leader of `view`: round-robin by stints of `viewsPerLeader` consecutive views, so each view
    /// has one leader every replica can name.
    ///
    /// Why not a new leader every view, as the paper's evaluation rotates: a block commits only at the
    /// head of a three-chain in consecutive views whose QC a fourth leader forwards, so per-view
    /// rotation needs four live leaders in a row, and with n = 4 and one replica down no block would
    /// ever commit (LibraBFT and Carousel add leader reputation to chained HotStuff for this reason).
    /// A live leader's stint holds such a chain on its own; a replica that times out asks for the next
    /// stint's first view, so a crashed leader costs one timeout per turn (libhotstuff keeps a leader
    /// until it fails; this rotates on a schedule so every replica takes a turn).
    @inlinable public static func leader(of view: UInt64, replicaCount n: Int) -> NodeID {
        NodeID(Int((view / viewsPerLeader) % UInt64(n)))
    }

    /// The first view of the stint after `view`'s: where a timeout leads.
    @inlinable public static func nextLeadersView(after view: UInt64) -> UInt64 {
        (view / viewsPerLeader + 1) * viewsPerLeader
    }

    /// The quorum of a Byzantine cluster: any two intersect in at least one honest replica,
    /// ⌈(n+f+1)/2⌉ (2f+1 when n = 3f+1).
    @inlinable public static func quorum(_ cluster: ClusterConfig) -> Int {
        (cluster.replicaCount + cluster.faultTolerance) / 2 + 1
    }
}
