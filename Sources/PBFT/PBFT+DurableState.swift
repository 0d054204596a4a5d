import ConsensusCore

extension PBFT {
    /// What a PBFT replica keeps across a crash. The papers count a crashed replica as faulty and
    /// recover replicas proactively from saved state (TOCS §4.2); here crashes are ordinary events
    /// (possibly more than f at once), so a replica keeps on stable storage what it must never
    /// contradict after a restart, as a Raft server keeps its term, vote and log:
    /// - its view, and whether it had left it (sent VIEW-CHANGE) without entering the next;
    /// - its log above the last stable checkpoint, reduced to its own decisions: the pre-prepare it
    ///   accepted for each sequence number (so it never prepares another digest for the same (v, n),
    ///   and a primary never assigns a number twice), whether it sent PREPARE and COMMIT, its prepared
    ///   batches and the digests that pre-prepared (P and Q, which its VIEW-CHANGE must report) and what
    ///   it knew committed;
    /// - its last stable checkpoint with the proof, and the state it certifies (§4.3: the checkpoint
    ///   "is" the state);
    /// - the batches it executed at its last `archiveLength` sequence numbers (the log a real replica
    ///   keeps on disk past garbage collection), so that after a restart it can still serve the
    ///   fetches of replicas further behind.
    /// It persists before sending what depends on it (`outbox.persist()` precedes the message). The
    /// votes it received are not kept: after a restart it asks again (retransmission), and the state
    /// after the checkpoint is rebuilt by executing the committed log again, or fetched.
    public struct DurableState: Sendable {
        public var view: UInt64
        public var isViewActive: Bool
        var installedView: UInt64
        var installedNewView: NewView?
        public var checkpointSequence: UInt64
        public var checkpointDigest: UInt64
        public var checkpointProof: [Vote]
        /// The state machine as it was right after executing `checkpointSequence`.
        public var checkpointState: KVStateMachine
        var log: [Slot]
        var archive: [FetchEntry?]

        /// Sequence numbers above the checkpoint with a pre-prepare in the kept log.
        public var loggedSequenceNumbers: [UInt64] {
            log.filter { $0.sequence > checkpointSequence && $0.hasPrePrepare }.map(\.sequence).sorted()
        }
    }

    /// The last stable checkpoint whose state this replica holds.
    struct DurableCheckpoint: Sendable {
        var sequence: UInt64
        var digest: UInt64
        var proof: [Vote]
        var state: KVStateMachine
    }
}
