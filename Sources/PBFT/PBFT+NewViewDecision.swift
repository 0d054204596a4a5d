import ConsensusCore

extension PBFT {
    /// What a NEW-VIEW for view v+1 must contain, decided from a set S of VIEW-CHANGE messages by the
    /// rules of TOCS 2002 §4.5.1, which count what replicas claim instead of checking proofs they
    /// forward (a MAC-authenticated PREPARE proves nothing to a third party). A pure function of S, so
    /// the new primary computes it to build O and every backup computes it again to check O.
    ///
    /// The checkpoint: the highest (h, d) that f+1 messages hold (one of them honest: d is the state
    /// at h) while 2f+1 messages have their stable checkpoint at or below h (so no number above h
    /// was garbage-collected by a quorum that the decision below cannot see).
    ///
    /// Then for each n in (h, h+L] up to the highest n in any P of S, O takes:
    /// - A: batch d from an entry ⟨n, d, v⟩ in some P when
    ///   - A1: 2f+1 messages with stable checkpoint below n have no P entry for n of a later view than
    ///     v, nor of view v with another digest, and
    ///   - A2: f+1 messages report d pre-prepared for n in view v or later (Q), so at least one honest
    ///     replica did and the claim is not a faulty replica's invention;
    ///   the highest such v, ties broken by S's order;
    /// - B: the null request when 2f+1 messages with stable checkpoint below n have no P entry for n.
    ///
    /// A request that committed prepared at f+1 honest replicas, whose P entries every quorum meets:
    /// they rule out B and any other batch under A1. When some n meets neither A nor B, S is too
    /// small to decide and the decision is nil: the new primary waits for more VIEW-CHANGEs (with
    /// every honest replica's in S, one of A and B holds for every n).
    public struct NewViewDecision: Sendable, Equatable {
        public struct Entry: Sendable, Equatable {
            public var sequence: UInt64
            public var digest: Digest
            public var requests: [ClientRequest]
        }

        /// h and the digest of the state there.
        public var stableSequence: UInt64
        public var stableDigest: UInt64
        /// The highest sequence number in O (h when O is empty).
        public var maxSequence: UInt64
        /// O, in sequence-number order.
        public var entries: [Entry]

        /// `viewChanges` must be well-formed VIEW-CHANGE messages from distinct replicas (checked by the
        /// caller); their order only breaks ties. Nil when they do not decide every sequence number.
        /// `window` is L: O covers at most (h, h+L], the numbers the new view may order.
        public init?(viewChanges: [ViewChange], faultTolerance f: Int, window: UInt64, nullDigest: Digest) {
            let quorum = 2 * f + 1
            guard viewChanges.count >= quorum,
                  let (h, stateDigest) = Self.checkpoint(viewChanges, f: f, quorum: quorum) else { return nil }
            stableSequence = h
            stableDigest = stateDigest
            var highest = h
            for vc in viewChanges {
                if let last = vc.prepared.last(where: { $0.sequence <= h + window }), last.sequence > highest { highest = last.sequence }
            }
            maxSequence = highest
            guard highest > h else {
                entries = []
                return
            }
            // P and Q of every message, by sequence number above h: the rules below look each up |S|
            // times per number (a view change of 100 replicas decides some hundred numbers).
            let span = Int(highest - h)
            var prepared = [[PreparedEntry?]](repeating: [PreparedEntry?](repeating: nil, count: viewChanges.count), count: span)
            var prePrepared = [[(message: Int, digest: Digest, view: UInt64)]](repeating: [], count: span)
            for (k, vc) in viewChanges.enumerated() {
                for p in vc.prepared where p.sequence > h && p.sequence <= highest { prepared[Int(p.sequence - h) - 1][k] = p }
                for q in vc.prePrepared where q.sequence > h && q.sequence <= highest {
                    prePrepared[Int(q.sequence - h) - 1].append((k, q.digest, q.view))
                }
            }
            var o: [Entry] = []
            o.reserveCapacity(span)
            for offset in 0 ..< span {
                let sequence = h + 1 + UInt64(offset)
                let eligible = viewChanges.map { $0.stableSequence < sequence }
                guard let entry = Self.decide(sequence, prepared: prepared[offset], prePrepared: prePrepared[offset],
                                              eligible: eligible, f: f, nullDigest: nullDigest) else { return nil }
                o.append(entry)
            }
            entries = o
        }

        /// The highest checkpoint that f+1 messages hold and 2f+1 have reached or not passed.
        static func checkpoint(_ s: [ViewChange], f: Int, quorum: Int) -> (UInt64, UInt64)? {
            var best: (UInt64, UInt64)?
            func consider(_ sequence: UInt64, _ digest: UInt64) {
                if let b = best, b.0 >= sequence { return }
                guard s.count(where: { $0.stableSequence <= sequence }) >= quorum,
                      s.count(where: { $0.holds(checkpoint: sequence, digest: digest) }) >= f + 1 else { return }
                best = (sequence, digest)
            }
            for vc in s {
                consider(vc.stableSequence, vc.stableDigest)
                for c in vc.checkpoints { consider(c.sequence, c.stateDigest) }
            }
            return best
        }

        /// What O holds for `sequence` by rule A or B, or nil when neither holds. `prepared[k]` is the P
        /// entry of message k for it, `prePrepared` its Q entries in all messages (each with the index of
        /// its message), `eligible[k]` whether message k's stable checkpoint lies below it.
        static func decide(_ sequence: UInt64, prepared: [PreparedEntry?], prePrepared: [(message: Int, digest: Digest, view: UInt64)],
                           eligible: [Bool], f: Int, nullDigest: Digest) -> Entry? {
            let quorum = 2 * f + 1
            var chosen: PreparedEntry?
            for case let candidate? in prepared {
                if let c = chosen, c.view >= candidate.view { continue }
                var uncontradicted = 0
                for (k, p) in prepared.enumerated() where eligible[k] {
                    guard let p else {
                        uncontradicted += 1
                        continue
                    }
                    if p.view < candidate.view || (p.view == candidate.view && p.digest == candidate.digest) { uncontradicted += 1 }
                }
                guard uncontradicted >= quorum else { continue }
                // f+1 distinct messages: a faulty one listing the same digest twice counts once.
                var reporters = Set<Int>()
                for q in prePrepared where q.digest == candidate.digest && q.view >= candidate.view { reporters.insert(q.message) }
                if reporters.count >= f + 1 { chosen = candidate }
            }
            if let chosen { return Entry(sequence: sequence, digest: chosen.digest, requests: chosen.requests) }
            var empty = 0
            for (k, p) in prepared.enumerated() where eligible[k] && p == nil { empty += 1 }
            return empty >= quorum ? Entry(sequence: sequence, digest: nullDigest, requests: []) : nil
        }

        /// Whether the O of a NEW-VIEW is this one (authenticators aside).
        public func matches(_ prePrepares: [Assignment]) -> Bool {
            guard prePrepares.count == entries.count else { return false }
            for (a, e) in zip(prePrepares, entries) where a.sequence != e.sequence || a.digest != e.digest { return false }
            return true
        }
    }
}
