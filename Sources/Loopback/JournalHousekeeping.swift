import ConsensusCore
import Dispatch
import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The journals' work that does not belong on an event loop, done in order on one thread of its own
/// at a lower priority (nice 10): writing a compaction's snapshot, and closing the file it replaced.
///
/// Both used to run on the replica's loop and stalled every replica of that loop:
/// - The last close of a replaced (unlinked) file frees its page cache and its disk blocks: 13 ms per
///   8 MB on ext4 on the project machine. PBFT n=4 at 4 k ops/s over tcp lost its quorum for 4 × 13 ms
///   each time the journals reached 8 MB (p99 16–28 ms; 1.5–2.6 ms once the close moved off the loop).
///   etcd removes old WAL files from a goroutine of their own for the same reason.
/// - Encoding and writing PBFT's 0.5 MB snapshot took 3–7 ms per replica (2026-12-07, mostly the
///   encoding: the checkpointed store is written in key order), and the four replicas compact within
///   about 40 ms of each other. At 5 k ops/s over tcp that put p99 at 8–14 ms, against 2.9 ms with
///   compaction turned off, and it is what ended the tcp knee's ascent.
///
/// The lower priority keeps this work in the CPU time the event loops leave idle while they have
/// some, as etcd's snapshots run beside its raft loop; on a saturated machine it still gets about a
/// tenth of a CPU, so a journal falls behind its compaction for a while rather than forever.
enum JournalHousekeeping {
    /// One thread: jobs run in the order they were handed over, so a replaced file is closed after
    /// the compaction that replaced it, and a writer's compaction after an earlier writer's.
    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        pool.submit { _ in
            #if os(Linux)
            // Linux keeps the nice value per thread: `who` 0 is this thread, not the process.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
            #endif
        }
        return pool
    }()

    /// Runs `job` on the housekeeping thread, after every job handed over before it.
    static func run(_ job: @escaping @Sendable () -> Void) {
        pool.submit { state in
            guard case .active = state else { return }
            job()
        }
    }

    /// Closes `descriptor` on the housekeeping thread.
    static func close(_ descriptor: Int32) {
        run {
            #if canImport(Glibc)
            _ = Glibc.close(descriptor)
            #else
            _ = Darwin.close(descriptor)
            #endif
        }
    }

    /// Returns once every job handed over so far has run.
    static func drain() {
        let done = DispatchSemaphore(value: 0)
        run { done.signal() }
        done.wait()
    }
}

/// A journal's compaction while its snapshot is written off the loop: the housekeeping thread writes
/// the header and the snapshot to `temporary`; the writer keeps appending to the journal it replaces
/// meanwhile, and installs the new file at a later commit, after copying those records into it.
final class CompactionInFlight: Sendable {
    let temporary: String
    /// Bytes of the header and the snapshot once written, or why they could not be.
    private let outcome = Mutex<Result<Int, LoopbackError>?>(nil)

    init(temporary: String) { self.temporary = temporary }

    var finished: Result<Int, LoopbackError>? { outcome.withLock { $0 } }

    func finish(_ result: Result<Int, LoopbackError>) { outcome.withLock { $0 = result } }
}
