import Foundation
import Harness
import Loopback

/// Simulated work spread over the hosts of a `--hosts` file, in the manner of GNU parallel's
/// `--sshlogin`: each chunk (a sweep point, a range of seeds) runs as `consensus-bench … --worker-…` on
/// some host over ssh, with as many chunks at once on a host as it has cores. The simulator is
/// deterministic, so a chunk's output does not depend on where it ran.
///
/// A host whose ssh fails twice in a row (refused, unreachable, or the session cut) is dropped, says so
/// on stderr, and its chunk runs on another host; when every host is gone the run fails. (Once is
/// forgiven: sshd refuses some of many logins at once, `MaxStartups`.) Logins to a host start at least
/// `loginSpacing` apart for the same reason. A worker that exits with an error of its own (bad input),
/// or dies by a signal, fails the run at once naming its chunk: another host would do the same.
final class RemoteWorkers: @unchecked Sendable {
    private struct Host {
        var ready: HostCheck.Ready
        var alive = true
        var busy = 0
        var failuresInARow = 0
        var lastLogin = Date.distantPast
    }
    static let loginSpacing = 0.03

    private let lock = NSCondition()
    private var hosts: [Host]
    /// Slots over all hosts: their cores.
    let totalSlots: Int

    /// Checks every host first (`HostCheck`).
    init(_ file: HostsFile, pushBinary: Bool) throws {
        let (_, ready) = try file.checked(localExecutable: try localExecutable(), pushBinary: pushBinary)
        hosts = ready.map { Host(ready: $0) }
        totalSlots = ready.reduce(0) { $0 + $1.cores }
    }

    /// Runs `consensus-bench arguments…` on a free slot of a live host and hands its stdout to `parse`,
    /// which throws if the output is not whole (the host then counts as failed). Returns the parsed
    /// value and the host that gave it.
    /// `chunk` names the work in errors ("point 3", "seeds 5,6").
    func run<T>(_ arguments: [String], chunk: String, parse: (Data) throws -> T) throws -> (T, String) {
        var tried = 0
        while true {
            let (h, host) = try acquire()
            // `; exit $?`: a worker killed by a signal comes back as 128+n from the shell, not as ssh's 255.
            let command = ([host.binary] + arguments).map(SSH.quote).joined(separator: " ") + "; exit $?"
            let output = try? SSH.run(host, command, keepInputOpen: true)
            tried += 1
            guard let output, output.status != 255 else {
                release(h, failed: output?.lastErrorLine ?? "ssh did not start")
                continue
            }
            if output.status > 128 {
                release(h, failed: nil)
                throw ExperimentError("\(chunk) on host \(host): the worker died by signal \(output.status - 128) (\(output.lastErrorLine))")
            }
            guard output.status == 0 else {
                release(h, failed: nil)
                throw ExperimentError("\(chunk) on host \(host): \(output.lastErrorLine)")
            }
            do {
                let parsed = try parse(output.stdout)
                release(h, failed: nil)
                return (parsed, host.description)
            } catch {
                release(h, failed: "its output was cut short (\(error))")
                if tried > 2 * hosts.count { throw ExperimentError("\(chunk) failed \(tried) times; the last on host \(host): \(output.lastErrorLine)") }
            }
        }
    }

    /// A free core on the least loaded live host, once its last login is `loginSpacing` old.
    private func acquire() throws -> (Int, SSHHost) {
        lock.lock()
        while true {
            let live = hosts.indices.filter { hosts[$0].alive }
            guard !live.isEmpty else {
                lock.unlock()
                throw ExperimentError("every host of the hosts file failed; nothing left to run the work on")
            }
            if let h = live.filter({ hosts[$0].busy < hosts[$0].ready.cores })
                .min(by: { Double(hosts[$0].busy) / Double(hosts[$0].ready.cores) < Double(hosts[$1].busy) / Double(hosts[$1].ready.cores) }) {
                hosts[h].busy += 1
                let wait = hosts[h].lastLogin.timeIntervalSinceNow + Self.loginSpacing
                hosts[h].lastLogin = max(Date(), hosts[h].lastLogin.addingTimeInterval(Self.loginSpacing))
                let host = hosts[h].ready.host
                lock.unlock()
                if wait > 0 { usleep(UInt32(wait * 1e6)) }
                return (h, host)
            }
            lock.wait()
        }
    }

    /// Frees the core; `failed` (ssh's failure) counts against the host, and a second in a row drops it.
    private func release(_ h: Int, failed: String?) {
        lock.lock()
        hosts[h].busy -= 1
        var dropped = false
        if let failed {
            hosts[h].failuresInARow += 1
            if hosts[h].alive && hosts[h].failuresInARow >= 2 {
                hosts[h].alive = false
                dropped = true
            }
            if dropped {
                FileHandle.standardError.write(Data("consensus-bench: host \(hosts[h].ready.host) failed (\(failed)); its work goes to the other hosts\n".utf8))
            }
        } else {
            hosts[h].failuresInARow = 0
        }
        lock.broadcast()
        lock.unlock()
    }

    /// The user's arguments after the subcommand, without `dropping` (options with a value) and
    /// `flags`: what a worker is given besides its chunk.
    static func passThrough(dropping valued: Set<String>, flags: Set<String>) -> [String] {
        var out: [String] = []
        var arguments = Array(CommandLine.arguments.dropFirst(2))[...]
        while let a = arguments.popFirst() {
            let name = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? a
            if flags.contains(a) { continue }
            if valued.contains(name) {
                if !a.contains("=") { _ = arguments.popFirst() }
                continue
            }
            out.append(a)
        }
        return out
    }
}

extension RemoteWorkers {
    /// What a worker answers per chunk item (a sweep point, a seed): `value` as one line of JSON on
    /// stdout. The parent refuses output that ends mid-line or answers other items
    /// (`PointOutput.decode`, `SeedVerdict.decode`).
    static func answer<T: Encodable>(_ value: T) throws {
        var line = try JSONEncoder().encode(value)
        line.append(UInt8(ascii: "\n"))
        FileHandle.standardOutput.write(line)
    }
}
