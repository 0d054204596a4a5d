import Foundation
import Harness

/// Runs sweep points on `jobs` threads and hands each result to the caller in point order, as soon as
/// it and every earlier point are done, so files are written incrementally and stay deterministic.
final class SweepRunner: @unchecked Sendable {
    let points: [ResolvedExperiment]
    let jobs: Int
    private let lock = NSCondition()
    private var next = 0
    private var finished: [Int: Result<(RunResult, Double), Error>] = [:]
    private var stop = false

    init(points: [ResolvedExperiment], jobs: Int) {
        self.points = points
        self.jobs = jobs
    }

    func run(_ deliver: (Int, Result<(RunResult, Double), Error>) throws -> Void) throws {
        var threads: [Thread] = []
        for _ in 0 ..< min(jobs, points.count) {
            let t = Thread { [self] in work() }
            t.stackSize = 8 << 20
            threads.append(t)
            t.start()
        }
        var delivered = 0
        lock.lock()
        defer { stop = true; lock.unlock() }
        while delivered < points.count {
            while finished[delivered] == nil { lock.wait() }
            let outcome = finished.removeValue(forKey: delivered)!
            lock.unlock()
            do {
                try deliver(delivered, outcome)
            } catch {
                lock.lock()
                throw error
            }
            lock.lock()
            delivered += 1
        }
    }

    private func work() {
        while true {
            lock.lock()
            if stop || next >= points.count { lock.unlock(); return }
            let index = next
            next += 1
            lock.unlock()
            let started = Date()
            let outcome: Result<(RunResult, Double), Error>
            do {
                let result = try points[index].run()
                outcome = .success((result, Date().timeIntervalSince(started)))
            } catch {
                outcome = .failure(error)
            }
            lock.lock()
            finished[index] = outcome
            lock.broadcast()
            lock.unlock()
        }
    }
}
