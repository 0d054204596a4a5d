import Foundation
import Testing

/// Hosts for `--hosts` tests without a second machine: network namespaces with an sshd each, made by
/// `scripts/netns-hosts` and removed (every process in them killed) when the test is done with them.
final class NamespaceHosts: @unchecked Sendable {
    /// Why namespace hosts cannot be made here, or nil if they can (root, iproute2 and OpenSSH's server).
    static let unavailable: String? = {
        if getuid() != 0 { return "network namespaces need root" }
        for tool in ["/usr/sbin/ip", "/usr/sbin/sshd", "/usr/bin/ssh", "/usr/bin/ssh-keygen"] where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) is missing (.ci/run installs iproute2 and openssh-server)"
        }
        let probe = "cbprobe\(getpid() % 100000)"
        let made = shell(["/usr/sbin/ip", "netns", "add", probe]).status == 0
        _ = shell(["/usr/sbin/ip", "netns", "delete", probe])
        return made ? nil : "ip netns add failed (no CAP_SYS_ADMIN here)"
    }()

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/netns-hosts").path
    nonisolated(unsafe) private static var made = 0
    private static let lock = NSLock()

    let name: String
    let directory: String
    let count: Int
    let subnet: String
    var hostsFile: String { directory + "/hosts.yaml" }
    var sshConfig: String { directory + "/ssh_config" }

    init(count: Int) throws {
        let k = Self.lock.withLock { () -> Int in
            Self.made += 1
            return Self.made
        }
        let pid = Int(getpid())
        name = "cb\(pid % 10000)x\(k)"
        subnet = "10.\(200 + pid % 50).\(k % 250)"
        directory = "/tmp/\(name)-hosts"
        self.count = count
        let up = Self.shell([Self.script, "up", name, String(count), subnet, directory])
        guard up.status == 0 else {
            _ = Self.shell([Self.script, "down", name, directory])
            throw HostsError("netns-hosts up failed: \(up.output)")
        }
    }

    deinit { close() }

    func close() { _ = Self.shell([Self.script, "down", name, directory]) }

    /// Address of host `i` (1-based).
    func address(_ i: Int) -> String { "\(subnet).\(i + 1)" }

    /// Stops host `i`'s sshd: new sessions are refused, open ones go on.
    func stopSSHD(_ i: Int) { _ = Self.shell([Self.script, "stop-sshd", name, String(i), directory]) }

    /// Host `i` dies: every process in its namespace (sshd, its sessions, what they run) is SIGKILLed.
    func killHost(_ i: Int) {
        for pid in Self.shell(["/usr/sbin/ip", "netns", "pids", "\(name)-h\(i)"]).output.split(whereSeparator: \.isNewline) {
            if let p = Int32(pid) { kill(p, SIGKILL) }
        }
    }

    /// Waits up to `seconds` until a process whose command line contains `argument` runs on host `i`
    /// (a worker, say, not the check every host gets first).
    func awaitProcess(on i: Int, withArgument argument: String, within seconds: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            for pid in Self.shell(["/usr/sbin/ip", "netns", "pids", "\(name)-h\(i)"]).output.split(whereSeparator: \.isNewline) {
                guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
                if data.split(separator: 0).contains(where: { String(decoding: $0, as: UTF8.self) == argument }) { return true }
            }
            usleep(20_000)
        }
        return false
    }

    /// Command names of the processes in host `i`'s namespace.
    func processes(onHost i: Int) -> [String] {
        Self.shell(["/usr/sbin/ip", "netns", "pids", "\(name)-h\(i)"]).output.split(whereSeparator: \.isNewline).compactMap { pid in
            (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Command names of every process running in the hosts' namespaces (sshd's own included).
    func processes() -> [String] {
        (1 ... count).flatMap { processes(onHost: $0) }
    }

    /// consensus-bench processes on any host, after waiting up to `seconds` for them to go.
    func leftoverNodes(within seconds: Double = 10) -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let left = processes().filter { $0.hasPrefix("consensus-") }
            if left.isEmpty || Date() > deadline { return left }
            usleep(100_000)
        }
    }

    /// Writes a hosts file next to the generated one, sharing its ssh_config, with `entries` (YAML
    /// lines under `hosts:`); returns its path.
    func hostsFile(named file: String, entries: [String], sshConfig: String? = nil) throws -> String {
        let path = directory + "/" + file
        let text = "ssh_options: [-F, \(sshConfig ?? self.sshConfig)]\nhosts:\n" + entries.map { "  - \($0)\n" }.joined()
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func shell(_ arguments: [String]) -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: arguments[0])
        p.arguments = Array(arguments.dropFirst())
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        do { try p.run() } catch { return (127, "\(error)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    struct HostsError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }
}
