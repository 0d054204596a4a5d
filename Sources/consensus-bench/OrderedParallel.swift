import Foundation

/// Runs `count` independent jobs on `threads` threads and hands each result to the caller in index
/// order, as soon as it and every earlier one are done: output is written incrementally and is the same
/// whatever the thread count.
final class OrderedParallel<Output>: @unchecked Sendable {
    let count: Int
    let threads: Int
    private let job: @Sendable (Int) -> Output
    private let lock = NSCondition()
    private var next = 0
    private var finished: [Int: Output] = [:]
    private var stop = false

    init(count: Int, threads: Int, job: @escaping @Sendable (Int) -> Output) {
        self.count = count
        self.threads = threads
        self.job = job
    }

    /// Calls `deliver` on the calling thread for index 0, 1, 2, … A throw stops handing out new jobs.
    func run(_ deliver: (Int, Output) throws -> Void) rethrows {
        for _ in 0 ..< min(threads, count) {
            let t = Thread { [self] in work() }
            t.stackSize = 8 << 20
            t.start()
        }
        defer {
            lock.lock()
            stop = true
            lock.unlock()
        }
        for index in 0 ..< count {
            lock.lock()
            while finished[index] == nil { lock.wait() }
            let output = finished.removeValue(forKey: index)!
            lock.unlock()
            try deliver(index, output)
        }
    }

    private func work() {
        while true {
            lock.lock()
            if stop || next >= count { lock.unlock(); return }
            let index = next
            next += 1
            lock.unlock()
            let output = job(index)
            lock.lock()
            finished[index] = output
            lock.broadcast()
            lock.unlock()
        }
    }
}
