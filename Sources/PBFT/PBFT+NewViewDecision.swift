import ConsensusCore

extension PBFT {
    /// What a NEW-VIEW for view v+1 must contain, computed from its set V of VIEW-CHANGE messages
    /// (OSDI'99 §4.4). A pure function of V, so the new primary computes it to build O and every backup
    /// computes it again to check O:
    /// - min-s is the latest stable checkpoint in V (its proof travels in the VIEW-CHANGE that has it);
    /// - max-s is the highest sequence number of a prepared certificate in V;
    /// - for each n in (min-s, max-s]: if some certificate in V is for n, PRE-PREPARE(v+1, n, d) with the
    ///   digest of the certificate with the highest view; otherwise PRE-PREPARE(v+1, n, d_null), the null
    ///   request.
    /// Ties (certificates of the same view for n) agree on the digest whenever at most f replicas are
    /// faulty (two prepared certificates of one view intersect in an honest backup); the first in V's
    /// order is taken so the result is deterministic.
    public struct NewViewDecision: Sendable, Equatable {
        public struct Entry: Sendable, Equatable {
            public var sequence: UInt64
            public var digest: Digest
            public var requests: [ClientRequest]
        }

        /// min-s, with the digest and proof of that checkpoint.
        public var stableSequence: UInt64
        public var stableDigest: UInt64
        public var stableProof: [Vote]
        /// max-s (min-s when no certificate lies above it).
        public var maxSequence: UInt64
        /// O, in sequence-number order.
        public var entries: [Entry]

        /// `viewChanges` must be valid VIEW-CHANGE messages (checked by the caller); their order only
        /// breaks ties.
        public init(viewChanges: [ViewChange], nullDigest: Digest) {
            var stable = viewChanges.first
            for vc in viewChanges where vc.stableSequence > (stable?.stableSequence ?? 0) { stable = vc }
            stableSequence = stable?.stableSequence ?? 0
            stableDigest = stable?.stableDigest ?? PBFT.genesisDigest
            stableProof = stable?.checkpointProof ?? []
            var best: [UInt64: PreparedCertificate] = [:]
            var highest = stableSequence
            for vc in viewChanges {
                for c in vc.prepared where c.sequence > stableSequence {
                    if let b = best[c.sequence], b.view >= c.view { continue }
                    best[c.sequence] = c
                    if c.sequence > highest { highest = c.sequence }
                }
            }
            maxSequence = highest
            var o: [Entry] = []
            if highest > stableSequence {
                o.reserveCapacity(Int(highest - stableSequence))
                for sequence in (stableSequence + 1) ... highest {
                    if let c = best[sequence] {
                        o.append(Entry(sequence: sequence, digest: c.digest, requests: c.requests))
                    } else {
                        o.append(Entry(sequence: sequence, digest: nullDigest, requests: []))
                    }
                }
            }
            entries = o
        }

        /// Whether the O of a NEW-VIEW is this one (authenticators aside).
        public func matches(_ prePrepares: [Assignment]) -> Bool {
            guard prePrepares.count == entries.count else { return false }
            for (a, e) in zip(prePrepares, entries) where a.sequence != e.sequence || a.digest != e.digest { return false }
            return true
        }
    }
}
