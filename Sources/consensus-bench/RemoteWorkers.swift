import Foundation
import Harness
import Loopback

/// Simulated work spread over the hosts of a `--hosts` file, in the manner of GNU parallel's
/// `--sshlogin`: each chunk (a sweep point, a range of seeds) runs as `consensus-bench … --worker-…` on
/// some host over ssh, with as many chunks at once on a host as it has cores. The simulator is
/// deterministic, so a chunk's output does not depend on where it ran.
///
/// A host whose ssh fails (refused, unreachable, or the session cut) is dropped, says so on stderr,
/// and its chunk runs on another host; when every host is gone the run fails. A worker that exits
/// with an error of its own (bad input) fails the run at once: another host would say the same.
final class RemoteWorkers: @unchecked Sendable {
    private struct Host {
        var ready: HostCheck.Ready
        var alive = true
        var busy = 0
    }

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
    func run<T>(_ arguments: [String], parse: (Data) throws -> T) throws -> (T, String) {
        var tried = 0
        while true {
            let h = try acquire()
            let host = hosts[h].ready.host
            let command = ([host.binary] + arguments).map(SSH.quote).joined(separator: " ")
            let output = try? SSH.run(host, command, keepInputOpen: true)
            release(h)
            tried += 1
            guard let output, output.status != 255 else {
                drop(h, because: output?.lastErrorLine ?? "ssh did not start")
                continue
            }
            guard output.status == 0 else { throw ExperimentError("host \(host): \(output.lastErrorLine)") }
            do { return (try parse(output.stdout), host.description) } catch {
                drop(h, because: "its output was cut short (\(error))")
                if tried > hosts.count { throw ExperimentError("a chunk failed on \(tried) hosts; the last: host \(host): \(output.lastErrorLine)") }
            }
        }
    }

    private func acquire() throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        while true {
            let live = hosts.indices.filter { hosts[$0].alive }
            guard !live.isEmpty else { throw ExperimentError("every host of the hosts file failed; nothing left to run the work on") }
            // The least loaded host with a free core.
            if let h = live.filter({ hosts[$0].busy < hosts[$0].ready.cores })
                .min(by: { Double(hosts[$0].busy) / Double(hosts[$0].ready.cores) < Double(hosts[$1].busy) / Double(hosts[$1].ready.cores) }) {
                hosts[h].busy += 1
                return h
            }
            lock.wait()
        }
    }

    private func release(_ h: Int) {
        lock.lock()
        hosts[h].busy -= 1
        lock.broadcast()
        lock.unlock()
    }

    private func drop(_ h: Int, because why: String) {
        lock.lock()
        let wasAlive = hosts[h].alive
        hosts[h].alive = false
        lock.broadcast()
        lock.unlock()
        if wasAlive {
            FileHandle.standardError.write(Data("consensus-bench: host \(hosts[h].ready.host) failed (\(why)); its work goes to the other hosts\n".utf8))
        }
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
