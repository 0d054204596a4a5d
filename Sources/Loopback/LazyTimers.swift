import NIOCore

/// Real timers on one event loop, with the contract's semantics: one pending firing per slot, and
/// arming again re-arms. Re-arming to a later deadline (a heartbeat pushed back, a client's request
/// timer restarted for its next operation) costs no cancel: the pending callback, when it comes,
/// sees the later deadline and schedules itself again for the rest. Re-arming to an earlier deadline
/// cancels the pending callback and schedules a new one. Cancelling a slot just disarms it.
final class LazyTimers {
    private let loop: EventLoop
    /// The armed deadline per slot (uptime nanoseconds).
    private var deadline: [UInt64]
    private var armed: [Bool]
    /// The deadline of the callback pending on the loop per slot, or 0 when none is.
    private var pendingAt: [UInt64]
    private var handle: [NIOScheduledCallback?]
    /// Bumped by `cancelAll`, so callbacks from before it are ignored if they still come.
    private var generation: UInt32 = 0
    /// Called on the loop when an armed slot reaches its deadline (the slot is disarmed first).
    var onDue: (Int) -> Void = { _ in }

    init(loop: EventLoop, slots: Int) {
        self.loop = loop
        deadline = Array(repeating: 0, count: slots)
        armed = Array(repeating: false, count: slots)
        pendingAt = Array(repeating: 0, count: slots)
        handle = Array(repeating: nil, count: slots)
    }

    var slotCount: Int { deadline.count }

    func isArmed(_ slot: Int) -> Bool { armed[slot] }

    /// Arms `slot` to fire at `at` (uptime nanoseconds), replacing any earlier arming.
    func arm(_ slot: Int, at: UInt64) {
        let at = max(at, 1)
        deadline[slot] = at
        armed[slot] = true
        if pendingAt[slot] != 0 {
            if pendingAt[slot] <= at { return }
            handle[slot]?.cancel()
            handle[slot] = nil
            pendingAt[slot] = 0
        }
        schedule(slot, at: at)
    }

    func cancel(_ slot: Int) { armed[slot] = false }

    /// Disarms every slot and cancels every pending callback (a crash, or shutdown).
    func cancelAll() {
        generation &+= 1
        for slot in deadline.indices {
            armed[slot] = false
            handle[slot]?.cancel()
            handle[slot] = nil
            pendingAt[slot] = 0
        }
    }

    private func schedule(_ slot: Int, at: UInt64) {
        let callback = Callback(timers: self, slot: slot, generation: generation)
        guard let h = try? loop.assumeIsolated().scheduleCallback(at: .uptimeNanoseconds(at), handler: callback) else { return }
        handle[slot] = h
        pendingAt[slot] = at
    }

    fileprivate func fired(_ slot: Int, generation: UInt32) {
        guard generation == self.generation else { return }
        let firedFor = pendingAt[slot]
        pendingAt[slot] = 0
        handle[slot] = nil
        guard armed[slot] else { return }
        if deadline[slot] > firedFor {
            schedule(slot, at: deadline[slot])
            return
        }
        armed[slot] = false
        onDue(slot)
    }

    private struct Callback: NIOScheduledCallbackHandler {
        unowned let timers: LazyTimers
        let slot: Int
        let generation: UInt32
        func handleScheduledCallback(eventLoop: some EventLoop) { timers.fired(slot, generation: generation) }
    }
}
