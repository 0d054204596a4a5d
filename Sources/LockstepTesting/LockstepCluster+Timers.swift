// Timers in lock step: the cluster remembers what each replica armed and when it is due, and fires
// one only when the driver asks, moving the clock to its deadline first, so the replica sees exactly
// the instant a real shell would have woken it at.

import ConsensusCore

extension LockstepCluster {
    /// When `timer` of replica `index` is due, if it is armed.
    public func deadline(of timer: TimerID, at index: Int) -> Instant? {
        armedTimers[index][timer]
    }

    /// Fires `timer` at replica `index` now, after moving the clock to its deadline if that is later.
    /// False (and nothing happens) when the timer is not armed or the replica is down.
    @discardableResult
    public func fireArmed(_ timer: TimerID, at index: Int) -> Bool {
        guard !crashed[index], let due = armedTimers[index][timer] else { return false }
        if now < due { now = due }
        now = now + step
        armedTimers[index][timer] = nil
        replicas[index].handle(.timer(timer), now: now, outbox: &outbox)
        route(from: index, cause: .input(.timer(timer)))
        return true
    }
}
