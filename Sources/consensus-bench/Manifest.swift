import Foundation
import Harness
import Loopback

/// manifest.json: everything that differs between two runs of the same simulated experiment
/// (command line, binary, toolchain, host, times, simulator speed), so the CSV files can stay
/// byte-identical.
///
/// What identifies the binary holds wherever it runs: the SHA-256 of the executable file, and the
/// commit and dirty flag it was built from (`BuildStamp`, generated at build time by
/// Plugins/BuildStampPlugin; "unknown" when it was built without git).
struct Manifest {
    var started = Date()
    var points: [[String: Any]] = []
    var extra: [String: Any] = [:]
    /// This process's allocator (its memory map, read once: it cannot change while the process runs).
    static let allocator = Allocator.inUse() ?? "unknown"

    mutating func add(_ entry: [String: Any]) { points.append(entry) }

    /// A point's entry: what it ran and how fast the simulator ran it.
    static func entry(point: Int, result: RunResult, wallSeconds: Double) -> [String: Any] {
        [
            "point": point,
            "protocol": result.spec.protocolName,
            "nodes": result.spec.nodes ?? 0,
            "cost_profile": result.spec.costProfile,
            "allocator": Self.allocator,
            "node_allocators": result.nodeAllocators,
            "hosts": result.hosts,
            "wall_s": wallSeconds,
            "events": result.eventsProcessed,
            "messages_simulated": result.messagesSimulated,
            "events_per_wall_s": wallSeconds > 0 ? Double(result.eventsProcessed) / wallSeconds : 0,
            "messages_per_wall_s": wallSeconds > 0 ? Double(result.messagesSimulated) / wallSeconds : 0,
            "faults_injected": result.faultLog,
            "violations": result.violations,
            "linearizability_detail": result.linearizabilityDetail ?? "",
        ]
    }

    func write(to directory: String) {
        let iso = ISO8601DateFormatter()
        var object: [String: Any] = [
            "tool": "consensus-bench",
            "command_line": CommandLine.arguments,
            "git_commit": BuildStamp.gitCommit,
            "git_dirty": BuildStamp.gitDirty == "unknown" ? "unknown" : BuildStamp.gitDirty == "true",
            "binary_path": Self.executablePath,
            "binary_sha256": Self.executableSHA256,
            "toolchain": Self.toolchain,
            "build": Self.buildConfiguration,
            "host": [
                "name": ProcessInfo.processInfo.hostName,
                "os": ProcessInfo.processInfo.operatingSystemVersionString,
                "cores": ProcessInfo.processInfo.activeProcessorCount,
                "memory_bytes": ProcessInfo.processInfo.physicalMemory,
            ] as [String: Any],
            "started_at": iso.string(from: started),
            "wall_s": Date().timeIntervalSince(started),
            "points": points,
        ]
        for (k, v) in extra { object[k] = v }
        // Atomic (a temporary file renamed over the old one): an interrupted sweep never leaves half a manifest.
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) {
            try? data.write(to: URL(fileURLWithPath: directory + "/manifest.json"), options: .atomic)
        }
    }

    static var toolchain: String {
        #if compiler(>=6.3)
        return "Swift 6.3 or newer"
        #else
        return "Swift older than 6.3"
        #endif
    }

    static var buildConfiguration: String {
        #if DEBUG
        return "debug"
        #else
        return "release"
        #endif
    }

    /// The running executable: /proc/self/exe on Linux (the file itself, whatever path or link
    /// started it), the main bundle's executable elsewhere.
    static var executablePath: String {
        #if os(Linux)
        return (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/proc/self/exe"
        #else
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
        #endif
    }

    /// Hex SHA-256 of the running executable (the digest `agent identity` prints, so a manifest names
    /// the build hosts were checked against), hashed once per process (a manifest is rewritten after
    /// every sweep point), or "unknown" if it cannot be read.
    static let executableSHA256: String = {
        #if os(Linux)
        let path = "/proc/self/exe"  // still the running file if the one at its path was replaced
        #else
        let path = executablePath
        #endif
        return (try? HostCheck.identity(ofExecutable: path)) ?? "unknown"
    }()
}
