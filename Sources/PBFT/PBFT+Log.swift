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
        var authenticator: Authenticator
    }

    /// What the log holds for one sequence number (§4.2): the pre-prepare accepted in the current view,
    /// the prepares and commits that match it, whether the replica is prepared and committed-local, and
    /// the latest prepared certificate (which may come from an earlier view and is what a VIEW-CHANGE
    /// reports, §4.4). Slots live in a ring of `L` entries indexed by sequence number mod L, which is
    /// enough because a replica only accepts numbers inside (h, h+L]; their storage is reused, so the
    /// normal case allocates nothing here.
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
        /// The first 2f of them, for the prepared certificate; once prepared, the later ones of this
        /// view (not persisted: a VIEW-CHANGE adds them to the certificate as extra proofs).
        var prepareProofs: [Vote] = []
        var commitSenders: NodeSet
        /// Commits from distinct replicas matching the pre-prepare (own included).
        var commitCount = 0
        var early: [EarlyVote] = []
        /// Replicas this one already answered a retransmission from, for this view (at most once each).
        var answered: NodeSet
        var sentPrepare = false
        var prepared = false
        var committed = false

        // The latest prepared certificate.
        var hasCertificate = false
        var certificateView: UInt64 = 0
        var certificateDigest = Digest.zero
        var certificateRequests: [ClientRequest] = []
        var certificatePrePrepare = Authenticator.none
        var certificateProofs: [Vote] = []

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
            prepareProofs.removeAll(keepingCapacity: true)
            commitSenders.removeAll()
            commitCount = 0
            early.removeAll(keepingCapacity: true)
            answered.removeAll()
        }

        /// Forgets the agreement of the current view (a new view starts), keeping the certificate.
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
            certificatePrePrepare = .none
            certificateProofs.removeAll(keepingCapacity: true)
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

        /// The slot became prepared: its agreement is now the latest prepared certificate.
        mutating func recordCertificate() {
            hasCertificate = true
            certificateView = view
            certificateDigest = digest
            certificateRequests = requests
            certificatePrePrepare = prePrepareAuthenticator
            swap(&certificateProofs, &prepareProofs)
            prepareProofs.removeAll(keepingCapacity: true)
        }

        var certificate: PreparedCertificate? {
            guard hasCertificate else { return nil }
            return PreparedCertificate(view: certificateView, sequence: sequence, digest: certificateDigest,
                                       requests: certificateRequests, prePrepareAuthenticator: certificatePrePrepare,
                                       prepares: certificateProofs)
        }

        /// The certificate as a VIEW-CHANGE reports it: with the late PREPAREs of its view as extra proofs.
        var reportedCertificate: PreparedCertificate? {
            guard var c = certificate else { return nil }
            if prepared, view == certificateView, !prepareProofs.isEmpty { c.prepares += prepareProofs }
            return c
        }
    }
}
