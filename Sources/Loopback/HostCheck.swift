import ConsensusCore
import Crypto
import Foundation

/// The check every `--hosts` run makes before it starts anything: each host is reachable over ssh and
/// runs this very build of consensus-bench (or gets it with `--push-binary`). Every host that fails
/// says so in one line on stderr, all of them, and then the run stops.
public enum HostCheck {
    /// A host that passed: its binary (pushed or found) and how many cores it has.
    public struct Ready: Sendable {
        public var host: SSHHost
        public var cores: Int
    }

    /// This executable's identity: the SHA-256 of its file, as hex (what `sha256sum` prints, and what
    /// manifest.json records as binary_sha256). Two hosts run the same build when these match, whatever
    /// its version string says (a rebuilt binary is another build). Read in 1 MB chunks: the binary is
    /// 50-65 MB, and every run that writes a manifest hashes it.
    public static func identity(ofExecutable path: String) throws -> String {
        guard let file = FileHandle(forReadingAtPath: path) else { throw LoopbackError("cannot read the executable \(path)") }
        defer { try? file.close() }
        var hash = SHA256()
        do {
            while let chunk = try file.read(upToCount: 1 << 20), !chunk.isEmpty { hash.update(data: chunk) }
        } catch {
            throw LoopbackError("cannot read the executable \(path): \(error)")
        }
        return hash.finalize().map { byte in byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16) }.joined()
    }

    /// What `consensus-bench agent identity` prints: `consensus-bench <sha256> cores <n>`.
    public static func identityLine(executable: String) throws -> String {
        "consensus-bench \(try identity(ofExecutable: executable)) cores \(ProcessInfo.processInfo.activeProcessorCount)"
    }

    /// Checks every host at once; with `pushBinary`, copies `localExecutable` to a host whose binary is
    /// missing or another build. Throws after writing one line per failing host to stderr.
    public static func run(_ hosts: [SSHHost], localExecutable: String, pushBinary: Bool) throws -> [Ready] {
        _ = try SSH.executable()
        let local = try identity(ofExecutable: localExecutable)
        let results = try concurrentMap(hosts) { host in
            Result { () throws(LoopbackError) in try check(host, local: local, localExecutable: localExecutable, pushBinary: pushBinary) }
        }
        var ready: [Ready] = []
        var failed: [String] = []
        for (i, result) in results.enumerated() {
            switch result {
            case .success(let r): ready.append(r)
            case .failure(let error): failed.append("host \(hosts[i]): \(error.description)")
            }
        }
        // One line per host that failed: all but the last here, the last as the error.
        guard let last = failed.last else { return ready }
        for line in failed.dropLast() { FileHandle.standardError.write(Data("consensus-bench: error: \(line)\n".utf8)) }
        throw LoopbackError(last + (failed.count > 1 ? " (\(failed.count) of \(hosts.count) hosts not ready; nothing was started)" : ""))
    }

    static func check(_ host: SSHHost, local: String, localExecutable: String, pushBinary: Bool) throws(LoopbackError) -> Ready {
        var host = host
        let probe = try reach(host, "\(SSH.quote(host.binary)) agent identity")
        if let ready = parse(probe, host: host, local: local) { return ready }
        guard pushBinary else {
            if probe.status == 127 || probe.status == 126 {
                throw LoopbackError("no consensus-bench at \(host.binary) (install this build there, or use --push-binary)")
            }
            let theirs = probe.text.split(separator: " ").dropFirst().first.map { String($0.prefix(12)) } ?? "unknown"
            throw LoopbackError("\(host.binary) is another build of consensus-bench (sha256 \(theirs)…, this is \(local.prefix(12))…); "
                                + "install this build there, or use --push-binary")
        }
        // Pushed once per build into the login user's own cache (mode 700: no other user can plant a
        // binary there), and checked by sha256sum, not by what the binary says of itself.
        let prepare = try reach(host, "d=\"$HOME/.cache/consensus-bench/\(local.prefix(16))\" && mkdir -p \"$d\" && "
                                + "chmod 700 \"$HOME/.cache/consensus-bench\" \"$d\" && echo \"$d\" && "
                                + "{ sha256sum \"$d/consensus-bench\" 2>/dev/null || echo none; }")
        let lines = prepare.text.split(whereSeparator: \.isNewline).map(String.init)
        guard prepare.status == 0, lines.count == 2, lines[0].hasPrefix("/") else {
            throw LoopbackError("cannot make a folder to push consensus-bench into: \(prepare.lastErrorLine)")
        }
        host.binary = lines[0] + "/consensus-bench"
        let target = SSH.quote(host.binary)
        if !lines[1].hasPrefix(local + " ") {
            guard let bytes = FileManager.default.contents(atPath: localExecutable) else { throw LoopbackError("cannot read \(localExecutable) to push it") }
            // A part file of this push's own (hosts may share a file system), renamed into place whole.
            let part = "\(target).part.$$"
            let copied = try reach(host, "cat > \(part) && chmod 700 \(part) && [ \"$(sha256sum < \(part) | cut -d' ' -f1)\" = \(local) ] && mv \(part) \(target) "
                                   + "|| { rm -f \(part); exit 1; }", input: bytes)
            guard copied.status == 0 else { throw LoopbackError("could not push consensus-bench to \(host.binary): \(copied.lastErrorLine)") }
        }
        let pushed = try reach(host, "\(target) agent identity")
        guard let ready = parse(pushed, host: host, local: local) else {
            throw LoopbackError("pushed consensus-bench to \(host.binary) but it does not run there (\(pushed.lastErrorLine))")
        }
        return ready
    }

    /// Runs `command`, turning ssh's own failure (status 255) into the host's one-line error.
    static func reach(_ host: SSHHost, _ command: String, input: Data? = nil) throws(LoopbackError) -> SSH.Output {
        let output: SSH.Output
        do { output = try SSH.run(host, command, input: input) } catch let error as LoopbackError { throw error } catch {
            throw LoopbackError("cannot run ssh: \(error)")
        }
        if output.status == 255 { throw LoopbackError("not reachable over ssh: \(output.lastErrorLine)") }
        return output
    }

    static func parse(_ output: SSH.Output, host: SSHHost, local: String) -> Ready? {
        let words = output.text.split(whereSeparator: \.isWhitespace)
        guard output.status == 0, words.count == 4, words[0] == "consensus-bench", words[1] == local, words[2] == "cores",
              let cores = Int(words[3]), cores > 0 else { return nil }
        return Ready(host: host, cores: cores)
    }
}

/// One slot per index, filled from any thread.
final class ResultSlots<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Value?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    subscript(index: Int) -> Value? {
        get { lock.withLock { slots[index] } }
        set { lock.withLock { slots[index] = newValue } }
    }
    var values: [Value?] { lock.withLock { slots } }
}

/// `transform` of every element, run on one thread each (for a few ssh round trips at once); the
/// first error is rethrown after all have finished.
public func concurrentMap<C: RandomAccessCollection, T>(_ items: C, _ transform: @escaping (C.Element) throws -> T) throws -> [T]
where C.Index == Int {
    let slots = ResultSlots<Result<T, Error>>(count: items.count)
    let group = DispatchGroup()
    for (k, item) in items.enumerated() {
        group.enter()
        let box = UncheckedBox((item, transform))
        Thread {
            slots[k] = Result { try box.value.1(box.value.0) }
            group.leave()
        }.start()
    }
    group.wait()
    return try slots.values.map { try $0!.get() }
}

/// Hands a non-Sendable value to a thread that alone uses it until the caller waits for it.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Which host of a `--hosts` file runs each replica.
public struct RemotePlacement: Sendable {
    public var hosts: [SSHHost]
    /// Index into `hosts` by replica id.
    public var hostOfReplica: [Int]
    /// Hosts that run a load generator each (empty: the parent runs the only one).
    public var generatorHosts: [Int]
    public init(hosts: [SSHHost], hostOfReplica: [Int], generatorHosts: [Int] = []) {
        self.hosts = hosts
        self.hostOfReplica = hostOfReplica
        self.generatorHosts = generatorHosts
    }
}
