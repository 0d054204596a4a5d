import Foundation
import Harness

/// manifest.json: everything that differs between two runs of the same simulated experiment
/// (command line, commit, toolchain, host, times, simulator speed), so the CSV files can stay
/// byte-identical.
struct Manifest {
    var started = Date()
    var points: [[String: Any]] = []
    var extra: [String: Any] = [:]

    mutating func add(point: Int, result: RunResult, wallSeconds: Double) {
        points.append([
            "point": point,
            "protocol": result.spec.protocolName,
            "nodes": result.spec.nodes ?? 0,
            "wall_s": wallSeconds,
            "events": result.eventsProcessed,
            "messages_simulated": result.messagesSimulated,
            "events_per_wall_s": wallSeconds > 0 ? Double(result.eventsProcessed) / wallSeconds : 0,
            "messages_per_wall_s": wallSeconds > 0 ? Double(result.messagesSimulated) / wallSeconds : 0,
            "faults_injected": result.faultLog,
            "violations": result.violations,
            "linearizability_detail": result.linearizabilityDetail ?? "",
        ])
    }

    func write(to directory: String) {
        let iso = ISO8601DateFormatter()
        var object: [String: Any] = [
            "tool": "consensus-bench",
            "command_line": CommandLine.arguments,
            "git_commit": Self.gitCommit(),
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

    static func gitCommit() -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "rev-parse", "HEAD"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return "unknown" }
        p.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return p.terminationStatus == 0 && !text.isEmpty ? text : "unknown"
    }
}
