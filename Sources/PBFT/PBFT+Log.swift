import ConsensusCore

extension PBFT {
    /// A set of replica ids as a bit vector, sized once for the cluster and cleared in place.
    struct NodeSet: Sendable {
        private var words: [UInt64]

        init(replicaCount: Int) { words = Array(repeating: 0, count: (replicaCount + 63) / 64) }

        /// Adds `node`; false when it was there already.
        mutating func insert(_ node: NodeID) -> Bool {
            let w = node.index >> 6, bit = UInt64(1) << UInt64(node.index & 63)
            if words[w] & bit != 0 { return false }
            words[w] |= bit
            return true
        }

        func contains(_ node: NodeID) -> Bool { words[node.index >> 6] & (UInt64(1) << UInt64(node.index & 63)) != 0 }

        var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

        mutating func removeAll() {
            for i in words.indices { words[i] = 0 }
        }
    }

    /// A PREPARE or COMMIT that arrived before the PRE-PREPARE it matches (messages overtake each other).
    struct EarlyVote: Sendable {
        var isCommit: Bool
        var replica: NodeID
        var digest: Digest
    }

    /// A digest the replica pre-prepared for a slot, and the latest view in which it did (one entry of
    /// Q, TOCS 2002 §4.5.1).
    struct PrePreparedDigest: Sendable, Equatable {
        var digest: Digest
        var view: UInt64
    }

    /// What the log holds for one sequence number (§4.2): the pre-prepare accepted in the current view,
    /// the prepares and commits that match it, whether the replica is prepared and committed-local, and
    /// what a VIEW-CHANGE reports of it (TOCS 2002 §4.5.1): the latest batch that prepared here (which
    /// may come from an earlier view) and the digests that pre-prepared here, each with its latest
    /// view. Slots live in a ring of `L` entries indexed by sequence number mod L, which is enough
    /// because a replica only accepts numbers inside (h, h+L]; their storage is reused, so the normal
    /// case allocates nothing here.
    struct Slot: Sendable {
        /// The sequence number this slot holds, 0 when it holds nothing.
        var sequence: UInt64 = 0
        /// The view of the agreement below.
        var view: UInt64 = 0
        var hasPrePrepare = false
        var digest = Digest.zero
        var requests: [ClientRequest] = []
        var prePrepareAuthenticator = Authenticator.none
        var prepareSenders: NodeSet
        /// Prepares from distinct backups matching the pre-prepare (own included).
        var prepareCount = 0
        var commitSenders: NodeSet
        /// Commits from distinct replicas matching the pre-prepare (own included).
        var commitCount = 0
        var early: [EarlyVote] = []
        /// Replicas this one already answered a retransmission from, for this view (at most once each).
        var answered: NodeSet
        var sentPrepare = false
        var prepared = false
        var committed = false

        // The latest batch that prepared here (P).
        var hasCertificate = false
        var certificateView: UInt64 = 0
        var certificateDigest = Digest.zero
        var certificateRequests: [ClientRequest] = []
        /// Q for this sequence number: each digest pre-prepared here, with the latest view it did.
        var prePrepared: [PrePreparedDigest] = []

        init(replicaCount: Int) {
            prepareSenders = NodeSet(replicaCount: replicaCount)
            commitSenders = NodeSet(replicaCount: replicaCount)
            answered = NodeSet(replicaCount: replicaCount)
        }

        /// True when the slot holds anything for its sequence number.
        var isOccupied: Bool {
            sequence != 0 && (hasPrePrepare || hasCertificate || !early.isEmpty || !prepareSenders.isEmpty || !commitSenders.isEmpty)
        }

        /// Records a PREPARE (or COMMIT) sender; false if it had voted in that phase already.
        mutating func insertVoter(_ sender: NodeID, commit: Bool) -> Bool {
            commit ? commitSenders.insert(sender) : prepareSenders.insert(sender)
        }

        /// Forgets the votes received, keeping what this replica decided itself.
        mutating func forgetVotes() {
            prepareSenders.removeAll()
            prepareCount = 0
            commitSenders.removeAll()
            commitCount = 0
            early.removeAll(keepingCapacity: true)
            answered.removeAll()
        }

        /// Forgets the agreement of the current view (a new view starts), keeping P and Q.
        mutating func resetAgreement(view newView: UInt64) {
            view = newView
            hasPrePrepare = false
            digest = .zero
            requests = []
            prePrepareAuthenticator = .none
            forgetVotes()
            sentPrepare = false
            prepared = false
            committed = false
        }

        /// Takes the slot over for another sequence number (the old one fell below the low water mark).
        mutating func reuse(sequence newSequence: UInt64, view newView: UInt64) {
            resetAgreement(view: newView)
            sequence = newSequence
            hasCertificate = false
            certificateView = 0
            certificateDigest = .zero
            certificateRequests = []
            prePrepared.removeAll(keepingCapacity: true)
        }

        /// What survives a crash: the replica's own decisions, not the votes it had received (§ DurableState).
        mutating func keepOwnDecisions(me: NodeID) {
            forgetVotes()
            if sentPrepare {
                _ = prepareSenders.insert(me)
                prepareCount = 1
            }
            if prepared {
                _ = commitSenders.insert(me)
                commitCount = 1
            }
        }

        /// Discards everything (garbage collection below a stable checkpoint, §4.3).
        mutating func discard() {
            reuse(sequence: 0, view: 0)
        }

        /// The slot became prepared: its agreement is now the latest batch prepared here.
        mutating func recordCertificate() {
            hasCertificate = true
            certificateView = view
            certificateDigest = digest
            certificateRequests = requests
        }

        /// The slot's entry of P, if anything prepared here.
        var preparedEntry: PreparedEntry? {
            guard hasCertificate else { return nil }
            return PreparedEntry(view: certificateView, sequence: sequence, digest: certificateDigest, requests: certificateRequests)
        }

        /// The replica pre-prepared `digest` in `view` (it accepted the pre-prepare, as primary or
        /// backup): Q keeps the latest view of each digest, and at most `PBFT.prePreparedDigestsKept`
        /// digests, dropping the one of the earliest view. Only a faulty primary makes one sequence
        /// number pre-prepare with many digests here, each at the cost of a view change; dropping an
        /// old one costs liveness at worst, never safety (a batch is taken for a number only when f+1
        /// replicas report it pre-prepared, and a committed batch's P entries rule out the null request).
        mutating func notePrePrepared(_ digest: Digest, view: UInt64) {
            if let k = prePrepared.firstIndex(where: { $0.digest == digest }) {
                prePrepared[k].view = max(prePrepared[k].view, view)
                return
            }
            if prePrepared.count >= PBFT.prePreparedDigestsKept,
               let oldest = prePrepared.indices.min(by: { prePrepared[$0].view < prePrepared[$1].view }) {
                prePrepared.remove(at: oldest)
            }
            prePrepared.append(PrePreparedDigest(digest: digest, view: view))
        }
    }

    /// How many digests Q keeps per sequence number (`Slot.notePrePrepared`).
    static let prePreparedDigestsKept = 4
}
