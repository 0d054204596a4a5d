import Foundation

/// One host of a `--hosts` file, reached with OpenSSH's `ssh`: consensus-bench runs nothing of its own
/// to reach it, so whatever the user's ssh can reach (keys, agents, jump hosts in `~/.ssh/config`), it can.
public struct SSHHost: Sendable, Hashable, CustomStringConvertible {
    /// The ssh destination, `user@host` or `host`.
    public var destination: String
    public var port: Int?
    /// `-i`: the private key to log in with.
    public var identity: String?
    /// Extra ssh arguments for this host (the hosts file's `ssh_options`, then the host's own).
    public var options: [String]
    /// The address node processes on this host bind and the others dial.
    public var address: String
    /// The consensus-bench executable on the host.
    public var binary: String
    /// Runs a load generator (`generator: true` in the hosts file).
    public var generator: Bool
    /// Replicas this host runs, when the hosts file lists them; nil: assigned round-robin.
    public var replicas: [Int]?
    /// The socket of an ssh master connection to the host (`RemoteSite`): commands sent through it
    /// skip the key exchange and login, which cost about 0.3 s each on the project machine.
    public var controlPath: String?

    public init(destination: String, port: Int? = nil, identity: String? = nil, options: [String] = [], address: String, binary: String,
                generator: Bool = false, replicas: [Int]? = nil) {
        self.destination = destination
        self.port = port
        self.identity = identity
        self.options = options
        self.address = address
        self.binary = binary
        self.generator = generator
        self.replicas = replicas
    }

    /// How error lines name the host: `root@10.0.0.2` or `root@10.0.0.2:2222`.
    public var description: String { destination + (port.map { ":\($0)" } ?? "") }

    /// The argument vector (after the `ssh` executable) that runs `command` through the host's shell.
    /// Batch mode (never a password prompt), a connect timeout, and keep-alives so that a host that
    /// dies mid-run ends its sessions instead of hanging them.
    public func sshArguments(_ command: String) -> [String] {
        var arguments = options
        if let port { arguments += ["-p", String(port)] }
        if let identity { arguments += ["-i", identity] }
        // Through the run's master connection, or (a node's session, the master itself) never through
        // one a user's ~/.ssh/config might set up: a node's session must end with that node alone.
        arguments += ["-o", "ControlMaster=no", "-o", "ControlPath=\(controlPath ?? "none")"]
        arguments += ["-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "ServerAliveInterval=2", "-o", "ServerAliveCountMax=3",
                      "-T", destination, "--", command]
        return arguments
    }
}

/// Running commands on hosts over `ssh`.
public enum SSH {
    /// What one remote command did. `status` 255 is ssh's own failure (unreachable, refused, wrong key).
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: String
        public var text: String { String(decoding: stdout, as: UTF8.self) }
        /// ssh's or the command's last stderr line, for a one-line error.
        public var lastErrorLine: String {
            stderr.split(whereSeparator: \.isNewline).last.map { String($0).trimmingCharacters(in: .whitespaces) } ?? "exit status \(status)"
        }
    }

    /// The `ssh` client on this machine's PATH.
    public static func executable() throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/ssh"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw LoopbackError("--hosts needs OpenSSH's client, ssh, on the PATH (Debian: apt-get install openssh-client)")
    }

    /// Runs `command` on `host` and waits for it; `input` is its stdin (empty when nil). With
    /// `keepInputOpen`, its stdin stays open until it exits, so that a worker watching for end-of-file
    /// there ends when this process dies.
    public static func run(_ host: SSHHost, _ command: String, input: Data? = nil, keepInputOpen: Bool = false) throws -> Output {
        // A command that exits before reading all of `input` must be an error here, not a SIGPIPE death.
        signal(SIGPIPE, SIG_IGN)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable())
        process.arguments = host.sshArguments(command)
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Both outputs are drained while the command runs (a full pipe would block it).
        let errors = ResultSlots<Data>(count: 1)
        let drained = DispatchGroup()
        drained.enter()
        Thread {
            errors[0] = stderr.fileHandleForReading.readDataToEndOfFile()
            drained.leave()
        }.start()
        if let input { try? stdin.fileHandleForWriting.write(contentsOf: input) }
        if !keepInputOpen { try? stdin.fileHandleForWriting.close() }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if keepInputOpen { try? stdin.fileHandleForWriting.close() }
        drained.wait()
        return Output(status: process.terminationStatus, stdout: out, stderr: String(decoding: errors[0] ?? Data(), as: UTF8.self))
    }

    /// `text` quoted for a POSIX shell.
    public static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
