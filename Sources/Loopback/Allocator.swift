import Foundation

/// The memory allocator a node process runs with: the C library's malloc, or Debian's jemalloc
/// loaded in front of it with `LD_PRELOAD`. The allocator is one more knob of the system under test:
/// `--allocator jemalloc` for `--shell process` nodes and for `calibrate`.
public enum Allocator: String, Sendable, CaseIterable {
    case system
    case jemalloc

    /// Where Debian and others install jemalloc's shared library; `CONSENSUS_BENCH_JEMALLOC` names
    /// another.
    static let jemallocCandidates = [
        "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
        "/usr/lib64/libjemalloc.so.2", "/usr/lib/libjemalloc.so.2", "/usr/local/lib/libjemalloc.so.2",
    ]

    /// The library to preload, or nil for the system allocator; one line if jemalloc is missing.
    public func preload() throws -> String? {
        guard self == .jemalloc else { return nil }
        let env = ProcessInfo.processInfo.environment["CONSENSUS_BENCH_JEMALLOC"]
        for path in (env.map { [$0] } ?? []) + Self.jemallocCandidates where FileManager.default.fileExists(atPath: path) {
            return path
        }
        throw LoopbackError("--allocator jemalloc: no libjemalloc.so.2 here (Debian: apt-get install libjemalloc-dev, or set CONSENSUS_BENCH_JEMALLOC)")
    }

    /// What process `pid` (nil: this one) runs with, read from its memory map: `jemalloc` if the
    /// library is mapped, else `system`; nil if the map cannot be read (the process is gone).
    public static func inUse(pid: Int32? = nil) -> String? {
        let path = pid.map { "/proc/\($0)/maps" } ?? "/proc/self/maps"
        // Read to the end: a /proc file reports a size of 0, so a read sized by `stat` gets nothing.
        guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.readToEnd() else { return nil }
        try? handle.close()
        return String(decoding: data, as: UTF8.self).contains("libjemalloc") ? Allocator.jemalloc.rawValue : Allocator.system.rawValue
    }
}
