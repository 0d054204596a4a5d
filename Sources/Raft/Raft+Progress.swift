import ConsensusCore

extension Raft {
    /// What a leader knows about one follower (§5.3's nextIndex and matchIndex), plus the flow control
    /// etcd-io/raft calls probe and replicate.
    ///
    /// - probe: the leader does not know where the follower's log diverges. It sends one AppendEntries
    ///   and waits for the answer (or the next heartbeat) before sending again; each rejection moves
    ///   `next` back (by a whole term at a time, using the follower's conflict hint).
    /// - replicate: the follower accepted `next − 1`, so the leader streams entries without waiting,
    ///   advancing `next` as it sends, with at most `Settings.inflightLimit` AppendEntries in flight
    ///   (fewer after the follower dropped messages, see `Inflights`).
    ///   A rejection drops back to probe and resends from the new `next`.
    struct Progress {
        enum State { case probe, replicate }

        /// The next log index to send (§5.3 nextIndex).
        var next: UInt64 = 1
        /// The highest index known to match the leader's log (§5.3 matchIndex).
        var match: UInt64 = 0
        var state = State.probe
        /// probe: an AppendEntries is out and unanswered.
        var probeSent = false
        /// The follower answered since the last check-quorum round (thesis §6.2).
        var recentActive = false
        /// replicate: the last index of each AppendEntries in flight, oldest first.
        var inflight: Inflights

        init(limit: Int) { inflight = Inflights(limit: limit) }

        /// Forget everything about the follower but where to start: what a new leader knows (§5.3).
        mutating func reset(next: UInt64) {
            self.next = next
            match = 0
            state = .probe
            probeSent = false
            recentActive = false
            inflight.reopen()
        }

        /// The follower rejected: resend from `next`, one message at a time until one is accepted.
        mutating func becomeProbe(next: UInt64) {
            self.next = next
            state = .probe
            probeSent = false
            inflight.shrink()
        }

        /// The follower accepted through `match`: stream from there.
        mutating func becomeReplicate() {
            next = match + 1
            state = .replicate
            probeSent = false
            inflight.removeAll()
        }

        /// The follower's log matches through `matchIndex`. Returns whether `match` advanced (only then
        /// can the commit index move). Any acceptance ends probing.
        mutating func acknowledged(through matchIndex: UInt64) -> Bool {
            recentActive = true
            inflight.free(through: matchIndex)
            let advanced = matchIndex > match
            if advanced { match = matchIndex }
            switch state {
            case .probe: becomeReplicate()
            case .replicate: if next <= match { next = match + 1 }
            }
            return advanced
        }

        /// What the next AppendEntries to this follower should carry.
        enum Claim: Equatable {
            /// Entries `from ..< from + count` (count may be 0 for a probe past the log's end).
            case send(from: UInt64, count: Int)
            /// A partial batch is waiting for more entries (`batchDelay`).
            case wait
            /// Nothing to send now.
            case none
        }

        /// Claims the next message's entries and records it as sent: one probe at a time, or as many
        /// messages as the window holds. With `holdPartial`, fewer than `maxBatch` entries wait.
        mutating func claim(lastIndex: UInt64, maxBatch: Int, holdPartial: Bool) -> Claim {
            switch state {
            case .probe:
                if probeSent { return .none }
                probeSent = true
                return .send(from: next, count: next <= lastIndex ? Int(min(lastIndex - next + 1, UInt64(maxBatch))) : 0)
            case .replicate:
                guard next <= lastIndex, !inflight.isFull else { return .none }
                let available = lastIndex - next + 1
                if holdPartial && available < UInt64(maxBatch) { return .wait }
                let count = Int(min(available, UInt64(maxBatch)))
                let from = next
                next += UInt64(count)
                inflight.add(lastIndex: next - 1)
                return .send(from: from, count: count)
            }
        }
    }

    /// A bounded ring of the last log index of each AppendEntries in flight to one follower. An
    /// acknowledgement through index m frees every message that ended at or before m. The storage
    /// grows by doubling up to the limit and is then reused, so steady state allocates nothing.
    ///
    /// The window adapts to a lossy link, like TCP's: it halves whenever the follower rejects (a
    /// message went missing, so everything after it was dropped by §5.3's consistency check) and grows
    /// by one for every message acknowledged, up to `limit`. Without that, each lost message in a full
    /// window of `limit` would cost the whole window again; with it, the waste stays near what the link
    /// delivers between losses, and on a clean link the window stays wide open.
    struct Inflights {
        let limit: Int
        /// The current window, 1 … `limit`.
        private(set) var window: Int
        private var buffer: [UInt64] = []
        private var head = 0
        private(set) var count = 0

        init(limit: Int) {
            self.limit = limit
            window = limit
        }

        var isFull: Bool { count >= window }

        mutating func add(lastIndex: UInt64) {
            precondition(count < limit, "in-flight window of \(limit) overflows")
            if count == buffer.count { grow() }
            var slot = head + count
            if slot >= buffer.count { slot -= buffer.count }
            buffer[slot] = lastIndex
            count += 1
        }

        /// Frees the messages that ended at or before `index`.
        mutating func free(through index: UInt64) {
            while count > 0 && buffer[head] <= index {
                head += 1
                if head == buffer.count { head = 0 }
                count -= 1
                if window < limit { window += 1 }
            }
            if count == 0 { head = 0 }
        }

        /// Forgets every message in flight (the window keeps its width).
        mutating func removeAll() {
            head = 0
            count = 0
        }

        /// The follower dropped messages: forget those in flight and halve the window.
        mutating func shrink() {
            removeAll()
            window = max(1, window / 2)
        }

        /// A new leadership: nothing in flight, the window wide open.
        mutating func reopen() {
            removeAll()
            window = limit
        }

        private mutating func grow() {
            let capacity = min(limit, max(8, buffer.count * 2))
            var grown: [UInt64] = []
            grown.reserveCapacity(capacity)
            for i in 0 ..< count {
                var slot = head + i
                if slot >= buffer.count { slot -= buffer.count }
                grown.append(buffer[slot])
            }
            grown.append(contentsOf: repeatElement(0, count: capacity - count))
            buffer = grown
            head = 0
        }
    }
}
