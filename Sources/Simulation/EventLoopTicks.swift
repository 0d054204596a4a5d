import ConsensusCore
import DequeModule

/// What the tcp shell's event loops pay in syscalls, as the simulator charges it
/// (`SimulationOptions.eventLoopTicks`).
///
/// An event loop works in ticks: it waits for readiness (one `epoll_wait`), reads each ready connection
/// (one `read` each, however many frames arrived), hands every frame to its replica, then flushes each
/// connection it wrote to (one `write` each, however many frames it holds). A frame that arrives
/// alone costs its loop three syscalls; 64 frames in flight share them. Over loopback on the project
/// VM a syscall costs a few microseconds, several times the transport's per-frame work, so whether
/// frames share syscalls decides what an operation costs: PBFT n = 4 over tcp made about 16 syscalls
/// per operation open-loop at 8 k ops/s and 1.8 with 64 closed-loop clients (README, `validate`).
/// A flat per-frame charge is right at one of those loads and wrong at the other.
///
/// The simulator's CPUs are the loops. A tick begins when a CPU takes an input that arrived after its
/// current tick began (what arrived earlier was ready at that `epoll_wait` and is read in the same
/// tick). A tick costs a wake-up if the CPU was idle when the input arrived (the loop slept in
/// `epoll_wait` and a thread is woken: on the project VM the largest cost of all) and one syscall if
/// it was busy; each connection read from in a tick costs one syscall, and each connection written to
/// in a tick one. Connections are directed pairs of endpoints: the replicas, and the load generator as
/// endpoint n (one connection to each replica, as the tcp shell's generator holds). What a tick's steps
/// write leaves at its flush: when none of the CPU's replicas holds an input that was ready when the
/// tick began (`Simulator.endTickIfDone`), at the time the last step finished.
public struct EventLoopTicks: Sendable, Equatable {
    /// CPU time of one syscall of the loop (`read` or `write` of a few frames, an `epoll_wait` that
    /// returns at once).
    public var perSyscall: Interval
    /// CPU time of a tick that wakes a sleeping loop.
    public var perWakeUp: Interval
    public init(perSyscall: Interval, perWakeUp: Interval) {
        self.perSyscall = perSyscall
        self.perWakeUp = perWakeUp
    }
}

/// The simulator's state for `EventLoopTicks`: each CPU's current tick, and the tick in which each
/// connection was last read and last written.
struct TickLedger {
    /// Nanoseconds per syscall; 0 when the run does not model ticks (nothing else is then touched).
    let perSyscall: Int64
    let perWakeUp: Int64
    let endpoints: Int
    /// Per CPU: ticks begun so far (the current tick's number), and when the current one began.
    private var tick: [Int64]
    private var tickStart: [Int64]
    /// Per connection end: the number of the tick (of the CPU at that end) in which it was last read
    /// (at `from * endpoints + to`) or written (the same index after the reads).
    private var lastTick: [Int64]
    /// Per replica, beside its inbox: when each waiting input arrived.
    var arrivals: [Deque<Int64>]
    /// Per CPU: the frames and replies written in its current tick, which leave at the tick's flush.
    var pendingFrames: [[PendingFrame]]
    var pendingReplies: [[PendingReply]]
    /// What a flush walks, swapped with a CPU's pending list so that neither is copied or reallocated.
    var flushingFrames: [PendingFrame] = []
    var flushingReplies: [PendingReply] = []
    /// Syscalls charged so far, wake-ups among them.
    private(set) var syscalls = 0
    private(set) var wakeUps = 0

    init(model: EventLoopTicks?, replicas n: Int, cpus: Int) {
        perSyscall = model?.perSyscall.nanoseconds ?? 0
        perWakeUp = model?.perWakeUp.nanoseconds ?? 0
        let on = perSyscall > 0
        endpoints = n + 1
        tick = Array(repeating: 0, count: on ? cpus : 0)
        tickStart = Array(repeating: -1, count: on ? cpus : 0)
        lastTick = Array(repeating: 0, count: on ? 2 * (n + 1) * (n + 1) : 0)
        arrivals = Array(repeating: [], count: on ? n : 0)
        pendingFrames = Array(repeating: [], count: on ? cpus : 0)
        pendingReplies = Array(repeating: [], count: on ? cpus : 0)
    }

    /// Moves CPU `cpu`'s pending frames and replies to the flush lists, which `endFlush` empties (one
    /// mutating access: swapping them from the simulator would be two overlapping ones).
    mutating func beginFlush(cpu: Int) {
        swap(&pendingFrames[cpu], &flushingFrames)
        swap(&pendingReplies[cpu], &flushingReplies)
    }

    mutating func endFlush() {
        flushingFrames.removeAll(keepingCapacity: true)
        flushingReplies.removeAll(keepingCapacity: true)
    }

    /// Whether CPU `cpu` holds frames or replies for its tick's flush.
    @inline(__always) func hasPending(cpu: Int) -> Bool { !pendingFrames[cpu].isEmpty || !pendingReplies[cpu].isEmpty }

    @inline(__always) var isOn: Bool { perSyscall > 0 }

    /// CPU `cpu` takes an input that arrived at `arrival`, at `start`: a new tick if the input was not
    /// ready when the current one began. Returns what that costs: a wake-up if the CPU was idle when
    /// the input arrived (it starts at once), an `epoll_wait` that returns at once if it was busy, or
    /// nothing in the same tick.
    @inline(__always) mutating func take(cpu: Int, arrival: Int64, start: Int64) -> Int64 {
        guard arrival > tickStart[cpu] else { return 0 }
        tick[cpu] += 1
        tickStart[cpu] = start
        syscalls += 1
        if start <= arrival {
            wakeUps += 1
            return perWakeUp
        }
        return perSyscall
    }

    /// Whether an input that arrived at `arrival` was ready when CPU `cpu`'s current tick began: an
    /// event loop reads everything that was ready at its `epoll_wait` before it looks again, so a
    /// replica's input that came later waits for the next tick even if the loop serves that replica next.
    @inline(__always) func isInCurrentTick(cpu: Int, arrival: Int64) -> Bool { arrival <= tickStart[cpu] }

    /// Endpoint `to`, on CPU `cpu`, reads a frame from `from`: a `read` if it is the connection's first
    /// frame this tick.
    @inline(__always) mutating func reads(cpu: Int, from: Int, to: Int) -> Int64 {
        charge(end: from * endpoints + to, cpu: cpu)
    }

    /// Endpoint `from`, on CPU `cpu`, writes a frame to `to`: a `write` at the tick's flush if it is the
    /// connection's first frame this tick.
    @inline(__always) mutating func writes(cpu: Int, from: Int, to: Int) -> Int64 {
        charge(end: endpoints * endpoints + from * endpoints + to, cpu: cpu)
    }

    @inline(__always) private mutating func charge(end: Int, cpu: Int) -> Int64 {
        let now = tick[cpu]
        guard lastTick[end] != now else { return 0 }
        lastTick[end] = now
        syscalls += 1
        return perSyscall
    }
}

/// A peer message written in a tick, stored in the message table until the tick's flush.
struct PendingFrame {
    var slot: Int32
    var from: Int32
    var to: Int32
    var incarnation: UInt32
}

/// A client reply written in a tick.
struct PendingReply {
    var reply: ClientReply
    var from: Int32
    var incarnation: UInt32
}
