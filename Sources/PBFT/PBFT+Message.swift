import ConsensusCore

extension PBFT {
    /// Every message PBFT replicas exchange, with the paper's names (OSDI'99 §4, TOCS §3 and §5).
    /// Client requests and replies travel on the shell's client channel and are not listed here.
    public enum Message: TamperableMessage {
        case prePrepare(PrePrepare)
        case prepare(Prepare)
        case commit(Commit)
        case checkpoint(Checkpoint)
        case viewChange(ViewChange)
        case newView(NewView)
        /// A client request a backup received directly (a client's retry to all) and relays to the
        /// primary (§4.4: "the backup relays the request to the primary").
        case forwardedRequest(ForwardedRequest)
        /// State transfer (TOCS §5.3.2, simplified): a replica that is behind asks for what it lacks.
        case fetch(Fetch)
        case fetchReply(FetchReply)

        /// The `type` column of messages.csv, indexed by `kind`.
        public static let kindNames = ["PrePrepare", "Prepare", "Commit", "Checkpoint", "ViewChange", "NewView",
                                       "ForwardedRequest", "Fetch", "FetchReply"]

        public enum Kind {
            public static let prePrepare = 0
            public static let prepare = 1
            public static let commit = 2
            public static let checkpoint = 3
            public static let viewChange = 4
            public static let newView = 5
            public static let forwardedRequest = 6
            public static let fetch = 7
            public static let fetchReply = 8
        }

        @inlinable public var kind: Int {
            switch self {
            case .prePrepare: return Kind.prePrepare
            case .prepare: return Kind.prepare
            case .commit: return Kind.commit
            case .checkpoint: return Kind.checkpoint
            case .viewChange: return Kind.viewChange
            case .newView: return Kind.newView
            case .forwardedRequest: return Kind.forwardedRequest
            case .fetch: return Kind.fetch
            case .fetchReply: return Kind.fetchReply
            }
        }
    }

    /// ⟨PRE-PREPARE, v, n, d⟩ with the request batch m piggybacked (§4.2): the primary of view v
    /// assigns sequence number n to the batch whose digest is d. An empty batch is the null request.
    public struct PrePrepare: Sendable, Equatable {
        public var view: UInt64
        public var sequence: UInt64
        public var digest: Digest
        public var requests: [ClientRequest]
        public var primary: NodeID
        public var authenticator: Authenticator

        public init(view: UInt64, sequence: UInt64, digest: Digest, requests: [ClientRequest], primary: NodeID,
                    authenticator: Authenticator) {
            self.view = view; self.sequence = sequence; self.digest = digest; self.requests = requests
            self.primary = primary; self.authenticator = authenticator
        }

        /// What the authenticator covers: the request travels under its digest (§4.2).
        var block: AuthBlock {
            AuthBlock(kind: Message.Kind.prePrepare, sender: primary, view: view, sequence: sequence, digest: digest)
        }
    }

    /// ⟨PREPARE, v, n, d, i⟩: backup i accepted the pre-prepare for (v, n) with digest d (§4.2).
    public typealias Prepare = PhaseVote<PreparePhase>
    /// ⟨COMMIT, v, n, D(m), i⟩: replica i is prepared for (v, n, d) (§4.2).
    public typealias Commit = PhaseVote<CommitPhase>

    /// The two voting phases of the normal case. A PREPARE and a COMMIT carry the same fields and
    /// differ only in their kind, which the authenticator covers, so one vote type serves both and
    /// the phase, as a type, keeps a prepare from being counted as a commit.
    public protocol AgreementPhase: Sendable {
        /// `Message.Kind` of the phase's votes.
        static var kind: Int { get }
    }
    public enum PreparePhase: AgreementPhase { public static var kind: Int { Message.Kind.prepare } }
    public enum CommitPhase: AgreementPhase { public static var kind: Int { Message.Kind.commit } }

    /// ⟨PREPARE or COMMIT, v, n, d, i⟩: replica i's vote in one phase for sequence number n of view v,
    /// whose batch has digest d.
    public struct PhaseVote<Phase: AgreementPhase>: Sendable, Equatable {
        public var view: UInt64
        public var sequence: UInt64
        public var digest: Digest
        public var replica: NodeID
        public var authenticator: Authenticator

        public init(view: UInt64, sequence: UInt64, digest: Digest, replica: NodeID, authenticator: Authenticator) {
            self.view = view; self.sequence = sequence; self.digest = digest; self.replica = replica
            self.authenticator = authenticator
        }

        var block: AuthBlock {
            AuthBlock(kind: Phase.kind, sender: replica, view: view, sequence: sequence, digest: digest)
        }
    }

    /// ⟨CHECKPOINT, n, d, i⟩: replica i's state after executing sequence number n has digest d (§4.3).
    /// The digest is `KVStateMachine.digest`, an order-sensitive hash of everything executed.
    public struct Checkpoint: Sendable, Equatable {
        public var sequence: UInt64
        public var stateDigest: UInt64
        public var replica: NodeID
        public var authenticator: Authenticator

        public init(sequence: UInt64, stateDigest: UInt64, replica: NodeID, authenticator: Authenticator) {
            self.sequence = sequence; self.stateDigest = stateDigest; self.replica = replica
            self.authenticator = authenticator
        }

        var block: AuthBlock { Checkpoint.block(sequence: sequence, stateDigest: stateDigest, replica: replica) }

        static func block(sequence: UInt64, stateDigest: UInt64, replica: NodeID) -> AuthBlock {
            AuthBlock(kind: Message.Kind.checkpoint, sender: replica, view: 0, sequence: sequence,
                      digest: Digest(stateDigest, 0, 0, 0))
        }
    }

    /// One replica's part of a proof: which replica sent a message whose other fields the proof names
    /// once, and the authenticator it sent. A checkpoint proof is 2f+1 of these for (n, d).
    public struct Vote: Sendable, Equatable {
        public var replica: NodeID
        public var authenticator: Authenticator
        public init(replica: NodeID, authenticator: Authenticator) {
            self.replica = replica
            self.authenticator = authenticator
        }
    }

    /// An entry of P (TOCS 2002 §4.5.1): the batch with digest d prepared at the sender with sequence
    /// number n in view v, the latest view in which anything prepared there for n. The sender's word,
    /// not a proof: the new primary takes it only when 2f+1 VIEW-CHANGEs do not contradict it and f+1
    /// report the batch pre-prepared in view v or later (`NewViewDecision`). The batch travels with it
    /// (anyone can check it against d), so the new primary always has the request it picks.
    public struct PreparedEntry: Sendable, Equatable {
        public var view: UInt64
        public var sequence: UInt64
        public var digest: Digest
        public var requests: [ClientRequest]

        public init(view: UInt64, sequence: UInt64, digest: Digest, requests: [ClientRequest]) {
            self.view = view; self.sequence = sequence; self.digest = digest; self.requests = requests
        }
    }

    /// An entry of Q (TOCS 2002 §4.5.1): the batch with digest d pre-prepared at the sender with
    /// sequence number n (it sent PRE-PREPARE or PREPARE for it), and the latest view in which it did.
    public struct PrePreparedEntry: Sendable, Equatable {
        public var sequence: UInt64
        public var digest: Digest
        public var view: UInt64

        public init(sequence: UInt64, digest: Digest, view: UInt64) {
            self.sequence = sequence; self.digest = digest; self.view = view
        }
    }

    /// An entry of C (TOCS 2002 §4.5.1): a checkpoint the sender holds, the digest of its own state at n.
    public struct CheckpointEntry: Sendable, Equatable {
        public var sequence: UInt64
        public var stateDigest: UInt64

        public init(sequence: UInt64, stateDigest: UInt64) {
            self.sequence = sequence; self.stateDigest = stateDigest
        }
    }

    /// ⟨VIEW-CHANGE, v+1, h, C, P, Q, i⟩ (TOCS 2002 §4.5.1): replica i moves to view v+1; h is its
    /// stable checkpoint, C the checkpoints it took above h, P and Q what prepared and pre-prepared there
    /// for each sequence number above h. It carries claims, not other replicas' authenticators: with
    /// MACs those prove nothing to a third party (a faulty replica's PREPARE may verify at one replica
    /// and not at another), so the new view is decided by counting claims (`NewViewDecision`). Signed,
    /// as in OSDI'99, so the new primary can forward it in NEW-VIEW: the signature gives the backups
    /// what TOCS's VIEW-CHANGE-ACKs give them when every message carries MACs.
    public struct ViewChange: Sendable, Equatable {
        public var newView: UInt64
        public var stableSequence: UInt64
        public var stableDigest: UInt64
        /// C above h: the sender's own checkpoints, taken and not yet stable, in sequence-number order.
        public var checkpoints: [CheckpointEntry]
        /// P, at most one entry per sequence number, in sequence-number order.
        public var prepared: [PreparedEntry]
        /// Q, in sequence-number order; at most `PBFT.prePreparedDigestsKept` digests per number.
        public var prePrepared: [PrePreparedEntry]
        public var replica: NodeID
        public var authenticator: Authenticator

        public init(newView: UInt64, stableSequence: UInt64, stableDigest: UInt64, checkpoints: [CheckpointEntry] = [],
                    prepared: [PreparedEntry], prePrepared: [PrePreparedEntry] = [], replica: NodeID, authenticator: Authenticator) {
            self.newView = newView; self.stableSequence = stableSequence; self.stableDigest = stableDigest
            self.checkpoints = checkpoints; self.prepared = prepared; self.prePrepared = prePrepared
            self.replica = replica; self.authenticator = authenticator
        }

        /// Whether the sender holds the checkpoint (n, d): as its stable one or a later one of its own.
        func holds(checkpoint sequence: UInt64, digest: UInt64) -> Bool {
            (stableSequence == sequence && stableDigest == digest)
                || checkpoints.contains { $0.sequence == sequence && $0.stateDigest == digest }
        }
    }

    /// One pre-prepare of O in a NEW-VIEW: sequence number and digest (the batch itself is in the P
    /// entries of V, or empty for a null request), with the authenticator the new primary made for
    /// PRE-PREPARE(v+1, n, d).
    public struct Assignment: Sendable, Equatable {
        public var sequence: UInt64
        public var digest: Digest
        public var authenticator: Authenticator
        public init(sequence: UInt64, digest: Digest, authenticator: Authenticator) {
            self.sequence = sequence
            self.digest = digest
            self.authenticator = authenticator
        }
    }

    /// ⟨NEW-VIEW, v+1, V, O⟩ (§4.4): V is the VIEW-CHANGE messages (2f+1 or more) the new primary
    /// decided from, O the pre-prepares it computed from them. Backups recompute O from V and reject a
    /// mismatch.
    public struct NewView: Sendable, Equatable {
        public var view: UInt64
        public var viewChanges: [ViewChange]
        public var prePrepares: [Assignment]
        public var primary: NodeID
        public var authenticator: Authenticator

        public init(view: UInt64, viewChanges: [ViewChange], prePrepares: [Assignment], primary: NodeID,
                    authenticator: Authenticator) {
            self.view = view; self.viewChanges = viewChanges; self.prePrepares = prePrepares
            self.primary = primary; self.authenticator = authenticator
        }
    }

    /// A client request relayed by backup `replica` to the primary.
    public struct ForwardedRequest: Sendable, Equatable {
        public var request: ClientRequest
        public var replica: NodeID
        public var authenticator: Authenticator

        public init(request: ClientRequest, replica: NodeID, authenticator: Authenticator) {
            self.request = request; self.replica = replica; self.authenticator = authenticator
        }
    }

    /// A request for the requests executed at sequence numbers `from` onward, and for the NEW-VIEW of
    /// any view after `installedView` (a replica that missed a view change learns it this way).
    public struct Fetch: Sendable, Equatable {
        public var installedView: UInt64
        public var from: UInt64
        public var replica: NodeID
        public var authenticator: Authenticator

        public init(installedView: UInt64, from: UInt64, replica: NodeID, authenticator: Authenticator) {
            self.installedView = installedView; self.from = from; self.replica = replica
            self.authenticator = authenticator
        }

        var block: AuthBlock {
            AuthBlock(kind: Message.Kind.fetch, sender: replica, view: installedView, sequence: from, digest: .zero)
        }
    }

    /// The batch a replica executed at one sequence number.
    public struct FetchEntry: Sendable, Equatable {
        public var sequence: UInt64
        public var requests: [ClientRequest]
        public init(sequence: UInt64, requests: [ClientRequest]) {
            self.sequence = sequence
            self.requests = requests
        }
    }

    /// What a replica answers a FETCH with: its stable checkpoint and its proof, the batches it executed
    /// from `from` on (as many as it still archives, up to a batch), and its NEW-VIEW if the asker is
    /// in an older view. The asker trusts an entry once f+1 replicas sent the same one.
    public struct FetchReply: Sendable, Equatable {
        public var view: UInt64
        /// The highest sequence number the sender executed (the asker learns how far behind it is).
        public var lastExecuted: UInt64
        public var stableSequence: UInt64
        public var stableDigest: UInt64
        public var stableProof: [Vote]
        public var entries: [FetchEntry]
        public var newView: NewView?
        /// The state at the stable checkpoint, when the asker is behind everything the sender still
        /// archives (its batches are gone: only the state can bring it up).
        public var state: KVStateMachine?
        public var replica: NodeID
        public var authenticator: Authenticator

        public init(view: UInt64, lastExecuted: UInt64, stableSequence: UInt64, stableDigest: UInt64, stableProof: [Vote],
                    entries: [FetchEntry], newView: NewView?, state: KVStateMachine? = nil, replica: NodeID, authenticator: Authenticator) {
            self.view = view; self.lastExecuted = lastExecuted; self.stableSequence = stableSequence; self.stableDigest = stableDigest
            self.stableProof = stableProof; self.entries = entries; self.newView = newView; self.state = state
            self.replica = replica; self.authenticator = authenticator
        }
    }
}
