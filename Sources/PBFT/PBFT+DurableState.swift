import ConsensusCore

extension PBFT {
    /// What a PBFT replica keeps across a crash. The papers keep replicas' state in memory and recover
    /// faulty ones proactively (TOCS §4); a replica that crashes and restarts needs, at the least, the
    /// view it was in (so it does not vote in a view it left) and its last stable checkpoint with the
    /// state it certifies (the checkpoint "is the state", §4.3). It persists both when they change.
    /// Everything after the checkpoint it recovers from the other replicas (state transfer).
    ///
    /// Not persisted: the messages it sent since the checkpoint. A restarted replica does not remember
    /// its PREPAREs and COMMITs, so were the primary also faulty it could vote twice in one view: a
    /// crashed-and-restarted replica counts against f until it has caught up.
    public struct DurableState: Sendable {
        public var view: UInt64
        public var checkpointSequence: UInt64
        public var checkpointDigest: UInt64
        public var checkpointProof: [Vote]
        /// The state machine as it was right after executing `checkpointSequence`.
        public var checkpointState: KVStateMachine

        public init(view: UInt64, checkpointSequence: UInt64, checkpointDigest: UInt64, checkpointProof: [Vote],
                    checkpointState: KVStateMachine) {
            self.view = view
            self.checkpointSequence = checkpointSequence
            self.checkpointDigest = checkpointDigest
            self.checkpointProof = checkpointProof
            self.checkpointState = checkpointState
        }
    }
}
