import ConsensusCore
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process shell's node processes, supervised so that none outlives the run however it ends:
/// - each child's stdin is a pipe whose write end only the parent holds; a node started with
///   `--exit-with-parent` exits when it reads end-of-file there, which the kernel delivers when the
///   parent dies, even by SIGKILL or a trap;
/// - `terminateAll` (success and failure paths) sends SIGTERM, waits, SIGKILLs what is left, reaps all;
/// - while supervising, SIGINT and SIGTERM to the parent kill and reap every child, then exit 130.
/// Every spawned process is reaped with `waitpid`, so none lingers as a zombie either.
public final class ChildProcesses: @unchecked Sendable {
    private struct Child {
        var pid: pid_t
        var stdinWrite: Int32
        var exited = false
    }

    /// All mutable state is touched on this queue only (signal handlers included).
    private let queue = DispatchQueue(label: "consensus-bench.children")
    private var children: [Child] = []
    private var signalSources: [DispatchSourceSignal] = []

    public init() {}

    /// The path of the running executable (`/proc/self/exe` on Linux).
    public static func currentExecutable() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0 ..< n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Starts `executable` with `arguments`, in this process's environment with `environment`'s
    /// variables set over it; returns its pid.
    public func spawn(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> pid_t {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw LoopbackError("pipe failed: errno \(errno)") }
        // Neither end may leak into other children (a sibling holding a write end would keep a pipe open
        // after the parent died); the child gets the read end as its stdin through dup2, which clears the flag.
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        // Nothing else of this process leaks into the child: SwiftNIO opens its sockets without
        // close-on-exec, and a node holding a copy of another replica's listening socket (or of the load
        // generator's connections) would keep it open after this process closed it, so that a replica
        // restarted here could not bind its port again, and a closed connection would not end.
        closeFrom3(&actions)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var variables = ProcessInfo.processInfo.environment
        for (name, value) in environment { variables[name] = value }
        let envp: [UnsafeMutablePointer<CChar>?] = variables.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in envp { free(p) } }
        var pid: pid_t = 0
        let result = argv.withUnsafeBufferPointer { args in
            envp.withUnsafeBufferPointer { env in
                posix_spawn(&pid, executable, &actions, nil, args.baseAddress!, env.baseAddress!)
            }
        }
        close(fds[0])
        guard result == 0 else {
            close(fds[1])
            throw LoopbackError("cannot start \(executable): error \(result)")
        }
        queue.sync { children.append(Child(pid: pid, stdinWrite: fds[1])) }
        return pid
    }

    /// Adds "close every descriptor from 3 up" to `actions` (glibc 2.34's
    /// `posix_spawn_file_actions_addclosefrom_np`, looked up at run time: Swift's Glibc module does not
    /// declare it). Without it, marks this process's descriptors close-on-exec instead.
    private func closeFrom3(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            if unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3) == 0 { return }
        }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for name in names {
            if let fd = Int32(name), fd >= 3 { _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC) }
        }
    }

    /// Pids of children still running (those that exited are reaped here).
    public var running: [pid_t] {
        queue.sync {
            for i in children.indices where !children[i].exited { reap(i, blocking: false) }
            return children.filter { !$0.exited }.map(\.pid)
        }
    }

    /// SIGKILLs one child and reaps it (a node crash).
    public func kill(_ pid: pid_t) {
        queue.sync {
            guard let i = children.firstIndex(where: { $0.pid == pid && !$0.exited }) else { return }
            _ = Glibc.kill(pid, SIGKILL)
            reap(i, blocking: true)
        }
    }

    /// SIGTERM to every child, up to `grace` for them to exit, SIGKILL for the rest; all reaped.
    public func terminateAll(grace: Interval) {
        queue.sync {
            for c in children where !c.exited { _ = Glibc.kill(c.pid, SIGTERM) }
        }
        awaitExit(of: nil, grace: grace)
        queue.sync { killAllLocked() }
    }

    /// Waits up to `grace` for the children `pids` (nil: all) to exit on their own, reaping them.
    public func awaitExit(of pids: [pid_t]?, grace: Interval) {
        let deadline = DispatchTime.now() + .nanoseconds(Int(grace.nanoseconds))
        while DispatchTime.now() < deadline {
            let left = queue.sync { () -> Int in
                for i in children.indices where !children[i].exited { reap(i, blocking: false) }
                return children.filter { !$0.exited && (pids?.contains($0.pid) ?? true) }.count
            }
            if left == 0 { return }
            usleep(10_000)
        }
    }

    /// SIGKILLs and reaps every child now.
    public func killAll() { queue.sync { killAllLocked() } }

    /// While supervising: SIGINT or SIGTERM kills and reaps every child, runs `cleanup`, then exits
    /// with status 130.
    public func exitOnInterrupt(cleanup: @escaping @Sendable () -> Void = {}) {
        queue.sync {
            guard signalSources.isEmpty else { return }
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
                source.setEventHandler { [unowned self] in
                    killAllLocked()
                    cleanup()
                    exit(130)
                }
                source.resume()
                signalSources.append(source)
            }
        }
    }

    /// Restores the default handling of SIGINT and SIGTERM.
    public func stopHandlingInterrupts() {
        queue.sync {
            for s in signalSources { s.cancel() }
            signalSources.removeAll()
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
    }

    private func killAllLocked() {
        for i in children.indices where !children[i].exited {
            _ = Glibc.kill(children[i].pid, SIGKILL)
            reap(i, blocking: true)
        }
    }

    private func reap(_ i: Int, blocking: Bool) {
        var status: Int32 = 0
        let r = waitpid(children[i].pid, &status, blocking ? 0 : WNOHANG)
        if r == children[i].pid || (r < 0 && errno == ECHILD) {
            children[i].exited = true
            close(children[i].stdinWrite)
        }
    }

    deinit {
        for i in children.indices where !children[i].exited {
            _ = Glibc.kill(children[i].pid, SIGKILL)
            reap(i, blocking: true)
        }
    }
}

extension Loopback {
    /// `count` distinct free TCP ports on `host`, found by binding ephemeral ports and releasing them
    /// (another process could take one in between; the node then fails to bind and says so).
    public static func freePorts(count: Int, host: String = "127.0.0.1") throws -> [Int] {
        var sockets: [Int32] = []
        defer { for s in sockets { close(s) } }
        var ports: [Int] = []
        for _ in 0 ..< count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw LoopbackError("socket() failed: errno \(errno)") }
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr(host == "0.0.0.0" ? "127.0.0.1" : host)
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
                    bind(fd, p, length) == 0 && getsockname(fd, p, &length) == 0
                }
            }
            guard bound else { throw LoopbackError("cannot bind an ephemeral port on \(host): errno \(errno)") }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }

    /// Exits this process when its stdin reaches end-of-file, after `cleanup`: a node process started by
    /// the process shell's parent follows the parent however it dies.
    public static func exitWhenStdinCloses(cleanup: @escaping @Sendable () -> Void = {}) {
        let source = DispatchSource.makeReadSource(fileDescriptor: 0, queue: .global())
        source.setEventHandler {
            var byte: UInt8 = 0
            if read(0, &byte, 1) <= 0 {
                cleanup()
                _exit(0)
            }
        }
        source.resume()
        stdinWatch = source
    }

    nonisolated(unsafe) private static var stdinWatch: DispatchSourceRead?
}
