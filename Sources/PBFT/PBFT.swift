import ConsensusCore

/// Practical Byzantine Fault Tolerance (Castro & Liskov, "Practical Byzantine Fault Tolerance",
/// OSDI 1999, and "Practical Byzantine Fault Tolerance and Proactive Recovery", TOCS 20(4), 2002).
///
/// n ≥ 3f+1 replicas order client requests through a primary (the primary of view v is v mod n) in
/// three phases: PRE-PREPARE (the primary assigns a sequence number), PREPARE (backups agree on the
/// request for that number inside the view) and COMMIT (agreement survives view changes). Every quorum
/// is 2f+1; a client accepts a result once f+1 replicas reply with it (§4.1). Checkpoints every
/// `Settings.checkpointInterval` sequence numbers garbage-collect the log (§4.3); a view change replaces
/// a primary that stops making progress (§4.4).
///
/// The replica (`PBFT.Replica`) is a pure state machine like every protocol here: no clock, no sockets,
/// no randomness of its own. Byzantine behaviour is injected by the shell through the message hooks
/// (`corrupted()`, `equivocated(variant:)`); the replica code itself is always honest.
public enum PBFT {
    /// The timers a PBFT replica arms. One pending firing per id; arming again re-arms.
    public enum Timers {
        /// A backup waits for a request it received to execute (§4.4: "a backup starts a timer when it
        /// receives a request and the timer is not already running").
        public static let request = TimerID(0)
        /// After 2f+1 VIEW-CHANGE messages for its new view: NEW-VIEW must arrive before this fires,
        /// or the replica moves on to the next view with twice the timeout (§4.5.2, liveness).
        public static let viewChange = TimerID(1)
        /// The replica knows it is behind (a gap in its log, a stable checkpoint it has not reached, a
        /// later view): fetch what it lacks from the others (state transfer, TOCS §5.3.2).
        public static let fetch = TimerID(2)
        /// Something is in flight but nothing has executed for `retransmitTimeout`: send again what this
        /// replica sent for the stalled sequence numbers (the BFT library retransmits, TOCS §5.2; without
        /// it a lost message stalls a sequence number until the next view change).
        public static let retransmit = TimerID(3)
        /// Nothing executed for `idleProbeInterval`: ask the others whether this replica missed anything.
        /// A replica that fell behind while cut off learns it this way even when no new requests come.
        public static let probe = TimerID(4)
    }

    /// The session that owns null requests (§4.4: "a special null request which goes through the
    /// protocol like other requests, but whose execution is a no-op").
    public static let nullClient = ClientID.system

    /// What a replica reports applying at a sequence number that ordered a null request.
    public static let nullRequest = ClientRequest(client: nullClient, sequence: 0, command: .noop)

    /// The request a Byzantine primary's `equivocated(variant:)` PRE-PREPARE orders instead of the real
    /// batch: a null request numbered by the variant, so each variant has its own digest and honest
    /// replicas that commit one apply a no-op (client requests cannot be forged: in the paper clients
    /// authenticate their requests, and the shell's validity check would flag a fabricated one).
    @inlinable public static func equivocationRequest(variant: UInt64) -> ClientRequest {
        ClientRequest(client: nullClient, sequence: variant &+ 1, command: .noop)
    }
}
