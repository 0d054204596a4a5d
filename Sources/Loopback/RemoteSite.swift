import ConsensusCore
import Foundation
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// One host's part of a process-shell run over `--hosts`: a run folder of its own there (cluster file,
/// journals, pid files, report files), the ports its nodes listen on, and how far its monotonic
/// clock is from this machine's.
///
/// Every node process on the host runs as `ssh host 'echo $$ > DIR/node-I.pid && exec consensus-bench node …'`.
/// Its stdin is the ssh channel, whose other end is a pipe only the parent holds: when the parent dies
/// (even by SIGKILL) or the ssh session ends, the node reads end-of-file, removes the run folder and
/// exits, just as a local node does when its stdin pipe closes.
public final class RemoteSite: @unchecked Sendable {
    public let host: SSHHost
    /// The run folder on the host.
    public let directory: String
    /// Free ports on the host's address, one per replica it runs.
    public let ports: [Int]
    /// The host's monotonic clock minus this machine's, in nanoseconds (`ClockOffset`).
    public let clockOffset: Int64
    /// The round trip of the best clock sample: the offset is good to within half of it.
    public let clockUncertainty: Int64

    /// Makes the run folder, finds `portCount` free ports and measures the clock offset.
    public init(host: SSHHost, index: Int, portCount: Int, controlFolder: String) throws {
        var host = host
        host.controlPath = try Self.openMaster(host, socket: controlFolder + "/ssh-\(index)")
        self.host = host
        let binary = SSH.quote(host.binary)
        // Whatever fails from here removes what was made: the run folder (once it exists) and the master.
        var folder: String?
        do {
            // A generator-only host needs no ports.
            let made = try HostCheck.reach(host, "d=$(mktemp -d /tmp/consensus-bench-run-XXXXXX) && echo \"$d\" && "
                                           + (portCount == 0 ? "echo" : "\(binary) agent ports --count \(portCount) --host \(SSH.quote(host.address))"))
            let lines = made.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines[0].hasPrefix("/tmp/consensus-bench-run-") { folder = lines[0] }
            guard made.status == 0, lines.count >= 2, let folder else {
                throw LoopbackError("host \(host): cannot prepare a run folder and \(portCount) ports on \(host.address): \(made.lastErrorLine)")
            }
            let ports = lines[1].split(separator: " ").compactMap { Int($0) }
            guard ports.count == portCount else { throw LoopbackError("host \(host): asked for \(portCount) free ports, got '\(lines[1])'") }
            directory = folder
            self.ports = ports
            (clockOffset, clockUncertainty) = try ClockOffset.measure(host)
        } catch {
            if let folder { _ = try? SSH.run(host, "rm -rf \(SSH.quote(folder))") }
            Self.closeMaster(host)
            throw error
        }
    }

    /// Prepares every host at once; if one cannot be prepared, the others' folders and master
    /// connections are removed again before the error is thrown.
    public static func prepareAll(_ hosts: [SSHHost], portCounts: [Int], controlFolder: String) throws -> [RemoteSite] {
        let results = try concurrentMap(hosts.indices) { h in Result { try RemoteSite(host: hosts[h], index: h, portCount: portCounts[h], controlFolder: controlFolder) } }
        let sites = results.compactMap { try? $0.get() }
        for result in results {
            if case .failure(let error) = result {
                _ = try? concurrentMap(sites.indices) {
                    sites[$0].removeFolder()
                    sites[$0].closeMaster()
                }
                throw error
            }
        }
        return sites
    }

    /// Starts a master connection that later commands share. It goes to the background once logged in
    /// and ends by itself 15 s after its last session closes, so that it outlives no parent for long.
    static func openMaster(_ host: SSHHost, socket: String) throws -> String {
        var direct = host
        direct.controlPath = nil
        var arguments = direct.sshArguments("true")
        arguments.removeLast(2)  // "--" and the command: the master runs none
        arguments = ["-o", "ControlMaster=yes", "-o", "ControlPath=\(socket)", "-o", "ControlPersist=15", "-f", "-N"] + arguments
        let outcome = try runSSH(arguments)
        guard outcome.status == 0 else {
            throw LoopbackError("host \(host): not reachable over ssh: \(outcome.errors.split(whereSeparator: \.isNewline).last.map(String.init) ?? "")")
        }
        return socket
    }

    /// Ends the master connection.
    public func closeMaster() { Self.closeMaster(host) }

    static func closeMaster(_ host: SSHHost) {
        guard let socket = host.controlPath else { return }
        var arguments = host.sshArguments("true")
        arguments.removeLast(2)
        _ = try? runSSH(["-o", "ControlPath=\(socket)", "-O", "exit"] + arguments)
    }

    /// Runs ssh with `arguments` to its end, with no input and its output dropped: its exit status and,
    /// if it failed, what it wrote to standard error (only then: a master that went to the background
    /// keeps the pipe open, and reading it would wait for the master's end). Throws if ssh is missing
    /// or cannot be started.
    static func runSSH(_ arguments: [String]) throws -> (status: Int32, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try SSH.executable())
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus != 0 else { return (0, "") }
        return (process.terminationStatus, String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self))
    }

    /// Writes `data` to `path` on the host.
    public func write(_ data: Data, to path: String) throws {
        let out = try HostCheck.reach(host, "cat > \(SSH.quote(path))", input: data)
        guard out.status == 0 else { throw LoopbackError("host \(host): cannot write \(path): \(out.lastErrorLine)") }
    }

    /// The contents of `paths` on the host, read once each (`agent cat`); nil for a file that is not
    /// there. Throws if the host cannot be asked: a missing report must not read as an empty one.
    public func read(_ paths: [String]) throws -> [[UInt8]?] {
        let out = try HostCheck.reach(host, "\(SSH.quote(host.binary)) agent cat " + paths.map(SSH.quote).joined(separator: " "))
        guard out.status == 0 else { throw LoopbackError("host \(host): cannot read the run's files: \(out.lastErrorLine)") }
        return AgentCat.decode(Array(out.stdout), count: paths.count)
    }

    /// The size of `path` on the host, or nil if it is not there.
    public func size(of path: String) throws -> Int? {
        let out = try HostCheck.reach(host, "stat -c %s \(SSH.quote(path)) 2>/dev/null || echo none")
        return Int(out.text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The shell command that starts replica `id`'s node process with `arguments` (after `node`).
    public func nodeCommand(id: Int, incarnation: Int, arguments: [String], preload: String?) -> String {
        "echo $$ > \(SSH.quote(pidPath(id, incarnation))) && exec " + (preload.map { "env LD_PRELOAD=\(SSH.quote($0)) " } ?? "")
            + ([host.binary, "node"] + arguments).map(SSH.quote).joined(separator: " ")
    }

    /// Each life of a node writes its own pid file, so that a wait for a restarted node never reads its
    /// dead predecessor's pid.
    func pidPath(_ id: Int, _ incarnation: Int) -> String { "\(directory)/node-\(id)-\(incarnation).pid" }

    /// SIGKILLs life `incarnation` of replica `id`'s node process (a crash) and waits until it is gone:
    /// its journal stays on the host. Throws if it could not be killed (ending its ssh session instead
    /// would make the node remove the run folder).
    public func kill(_ id: Int, incarnation: Int) throws {
        let pid = SSH.quote(pidPath(id, incarnation))
        let out = try HostCheck.reach(host, "p=$(cat \(pid)) && kill -KILL \"$p\" && while kill -0 \"$p\" 2>/dev/null; do sleep 0.005; done")
        guard out.status == 0 else { throw LoopbackError("host \(host): cannot kill replica \(id)'s node process: \(out.lastErrorLine)") }
    }

    /// SIGTERMs the node processes `(id, incarnation)` on this host (the live lives only: a dead one's
    /// pid may belong to another process by now); each writes its last report and exits.
    public func terminateNodes(_ nodes: [(id: Int, incarnation: Int)]) {
        guard !nodes.isEmpty else { return }
        let pids = nodes.map { "$(cat \(SSH.quote(pidPath($0.id, $0.incarnation))) 2>/dev/null)" }.joined(separator: " ")
        _ = try? SSH.run(host, "kill -TERM \(pids) 2>/dev/null; true")
    }

    /// Waits, on the host, until `path` exists while life `incarnation` of node `id` lives; false if it
    /// died or `limit` passed first.
    public func await(_ path: String, whileNodeLives id: Int, incarnation: Int, limit: Interval) -> Bool {
        let tries = max(1, Int(limit.nanoseconds / 20_000_000))
        let pid = SSH.quote(pidPath(id, incarnation))
        let script = "i=0; while [ ! -e \(SSH.quote(path)) ]; do if [ -s \(pid) ]; then kill -0 $(cat \(pid)) 2>/dev/null || exit 3; fi; "
            + "i=$((i+1)); [ $i -gt \(tries) ] && exit 4; sleep 0.02; done"
        return (try? SSH.run(host, script))?.status == 0
    }

    /// The allocator each node process `(id, incarnation)` runs with, read from its memory map on the host.
    public func allocators(_ nodes: [(id: Int, incarnation: Int)]) -> [String] {
        let script = nodes.map { (id, incarnation) in
            "m=/proc/$(cat \(SSH.quote(pidPath(id, incarnation))) 2>/dev/null)/maps; if [ ! -r \"$m\" ]; then echo gone; "
                + "elif grep -q libjemalloc \"$m\"; then echo jemalloc; else echo system; fi"
        }.joined(separator: "; ")
        let lines = (try? SSH.run(host, script))?.text.split(whereSeparator: \.isNewline).map(String.init) ?? []
        return nodes.indices.map { i in
            guard i < lines.count, lines[i] != "gone" else { return "unknown (the process had exited)" }
            return lines[i]
        }
    }

    /// Removes the run folder from the host.
    public func removeFolder() {
        _ = try? SSH.run(host, "rm -rf \(SSH.quote(directory))")
    }
}

/// `consensus-bench agent cat FILE…`'s output: for each file its length in decimal on a line (-1 when
/// it cannot be read), then its bytes. One read per file, so a report rewritten meanwhile is whole.
public enum AgentCat {
    public static func encode(_ paths: [String]) -> Data {
        var out = Data()
        for path in paths {
            if let handle = FileHandle(forReadingAtPath: path), let data = try? handle.readToEnd() {
                try? handle.close()
                out.append(Data("\(data.count)\n".utf8))
                out.append(data)
            } else {
                out.append(Data("-1\n".utf8))
            }
        }
        return out
    }

    static func decode(_ bytes: [UInt8], count: Int) -> [[UInt8]?] {
        var files: [[UInt8]?] = []
        var at = 0
        while files.count < count {
            guard let newline = bytes[at...].firstIndex(of: UInt8(ascii: "\n")),
                  let length = Int(String(decoding: bytes[at ..< newline], as: UTF8.self)) else { break }
            at = newline + 1
            if length < 0 { files.append(nil); continue }
            guard at + length <= bytes.count else { break }
            files.append(Array(bytes[at ..< at + length]))
            at += length
        }
        while files.count < count { files.append(nil) }
        return files
    }
}

/// The offset between a host's monotonic clock and this machine's, measured the way NTP does over an
/// open ssh session (`consensus-bench agent clock` answers each line with its clock): of a few round
/// trips, the shortest gives the offset, to within half its length. Processes on one machine (or in
/// its network namespaces) share the clock: their offset comes out within that bound, and is taken as 0.
public enum ClockOffset {
    public static func measure(_ host: SSHHost, rounds: Int = 8) throws -> (offset: Int64, uncertainty: Int64) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try SSH.executable())
        process.arguments = host.sshArguments("\(SSH.quote(host.binary)) agent clock")
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            try? stdin.fileHandleForWriting.close()
            process.waitUntilExit()
        }
        let reader = stdout.fileHandleForReading.fileDescriptor
        var best: (rtt: Int64, offset: Int64)?
        for round in 0 ... rounds {  // the first round trip also waits for the session: it is dropped
            let sent = Int64(NIODeadline.now().uptimeNanoseconds)
            try stdin.fileHandleForWriting.write(contentsOf: Data("t\n".utf8))
            guard let line = readLine(reader), let remote = Int64(line) else {
                throw LoopbackError("host \(host): `\(host.binary) agent clock` did not answer")
            }
            let received = Int64(NIODeadline.now().uptimeNanoseconds)
            let rtt = received - sent
            if round == 0 { continue }
            if best == nil || rtt < best!.rtt { best = (rtt, remote - (sent + rtt / 2)) }
        }
        // An offset within the measurement's own error is no offset: hosts that share a clock (network
        // namespaces of one machine) keep exactly the parent's run time zero.
        let uncertainty = best!.rtt / 2
        return (abs(best!.offset) <= uncertainty ? 0 : best!.offset, uncertainty)
    }

    private static func readLine(_ fd: Int32) -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1 {
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
        return nil
    }
}
