import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Loopback
import Yams

/// `--hosts FILE`: the machines a run spreads over, reached with ssh (YAML).
///
///     ssh_options: [-o, ConnectTimeout=10]     # optional: more ssh arguments for every host
///     hosts:
///       - ssh: bench@10.0.0.11                 # the ssh destination
///         address: 10.0.0.11                   # nodes here bind and advertise it (default: the destination's host)
///         port: 22                             # optional ssh port
///         identity: ~/.ssh/bench_ed25519       # optional key
///         binary: /usr/local/bin/consensus-bench   # optional (default: this executable's path)
///         replicas: [0, 3]                     # optional: which replicas it runs (default: round-robin)
///
/// Every problem is one line naming the file and, where there is one, the host.
public struct HostsFile: Sendable, Equatable {
    public var path: String
    public var hosts: [SSHHost]

    public init(path: String, hosts: [SSHHost]) {
        self.path = path
        self.hosts = hosts
    }

    static let hostKeys: Set<String> = ["ssh", "address", "port", "identity", "binary", "replicas", "generator", "ssh_options"]

    /// Reads and checks the file; `defaultBinary` is where a host without `binary:` has consensus-bench.
    public static func load(_ path: String, defaultBinary: String) throws -> HostsFile {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ExperimentError("cannot read hosts file \(path)") }
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch {
            let detail = "\(error)".split(whereSeparator: \.isNewline).first.map(String.init) ?? "\(error)"
            throw ExperimentError("hosts file \(path) is not valid YAML: \(detail)")
        }
        guard let top = root as? [String: Any] else { throw ExperimentError("hosts file \(path): expected a mapping with a 'hosts' list") }
        for key in top.keys where key != "hosts" && key != "ssh_options" {
            throw ExperimentError("hosts file \(path): unknown key '\(key)' (expected hosts, ssh_options)")
        }
        let shared = try strings(top["ssh_options"], "ssh_options", path)
        guard let list = top["hosts"] as? [Any], !list.isEmpty else { throw ExperimentError("hosts file \(path) names no hosts (expected a 'hosts' list)") }
        var hosts: [SSHHost] = []
        for (k, item) in list.enumerated() {
            let place = "hosts file \(path), host \(k + 1)"
            guard let entry = item as? [String: Any] else { throw ExperimentError("\(place): expected a mapping with ssh and address") }
            if let unknown = entry.keys.sorted().first(where: { !hostKeys.contains($0) }) {
                throw ExperimentError("\(place): unknown key '\(unknown)' (expected \(hostKeys.sorted().joined(separator: ", ")))")
            }
            guard let destination = entry["ssh"] as? String, !destination.isEmpty, !destination.contains(" ") else {
                throw ExperimentError("\(place): 'ssh' must be a destination such as user@host")
            }
            let address = try entry["address"].map { value -> String in
                guard let a = value as? String, !a.isEmpty else { throw ExperimentError("\(place) (\(destination)): 'address' must be an IP address") }
                return a
            } ?? String(destination.split(separator: "@").last!)
            var v4 = in_addr(), v6 = in6_addr()
            guard inet_pton(AF_INET, address, &v4) == 1 || inet_pton(AF_INET6, address, &v6) == 1 else {
                throw ExperimentError("\(place) (\(destination)): address '\(address)' is not an IP address (nodes there bind it and the others dial it)")
            }
            var port: Int?
            if let value = entry["port"] {
                guard let p = value as? Int, (1 ... 65535).contains(p) else { throw ExperimentError("\(place) (\(destination)): 'port' must be 1...65535") }
                port = p
            }
            var replicas: [Int]?
            if let value = entry["replicas"] {
                guard let ids = value as? [Int], ids.allSatisfy({ $0 >= 0 }) else {
                    throw ExperimentError("\(place) (\(destination)): 'replicas' must be a list of replica ids")
                }
                replicas = ids
            }
            let generator = entry["generator"].map { $0 as? Bool }
            if let generator, generator == nil { throw ExperimentError("\(place) (\(destination)): 'generator' must be true or false") }
            let identity = try entry["identity"].map { value -> String in
                guard let s = value as? String else { throw ExperimentError("\(place) (\(destination)): 'identity' must be a path") }
                return (s as NSString).expandingTildeInPath
            }
            let binary = try entry["binary"].map { value -> String in
                guard let s = value as? String, !s.isEmpty else { throw ExperimentError("\(place) (\(destination)): 'binary' must be a path") }
                return s
            } ?? defaultBinary
            let host = SSHHost(destination: destination, port: port, identity: identity,
                               options: shared + (try strings(entry["ssh_options"], "ssh_options", "\(path) (\(destination))")),
                               address: address, binary: binary, generator: (generator ?? false) ?? false, replicas: replicas)
            if let earlier = hosts.firstIndex(where: { $0.destination == host.destination && $0.port == host.port }) {
                throw ExperimentError("hosts file \(path): host \(host) is listed twice (hosts \(earlier + 1) and \(k + 1))")
            }
            hosts.append(host)
        }
        return HostsFile(path: path, hosts: hosts)
    }

    static func strings(_ value: Any?, _ key: String, _ place: String) throws -> [String] {
        guard let value else { return [] }
        guard let list = value as? [Any] else { throw ExperimentError("hosts file \(place): '\(key)' must be a list of ssh arguments") }
        return list.map { "\($0)" }
    }

    /// Which host runs each of `n` replicas: the ones a host lists under `replicas:` there, the rest
    /// round-robin over the hosts without a `replicas:` key (a generator host says `replicas: []`).
    /// A replica listed twice, or left with no host, is an error naming it.
    public func placement(replicas n: Int) throws -> RemotePlacement {
        var hostOf = Array(repeating: -1, count: n)
        for h in hosts.indices {
            for id in hosts[h].replicas ?? [] {
                guard id < n else {
                    throw ExperimentError("hosts file \(path): host \(hosts[h]) lists replica \(id), but the cluster has replicas 0...\(n - 1)")
                }
                guard hostOf[id] < 0 else {
                    throw ExperimentError("hosts file \(path): replica \(id) is listed by both \(hosts[hostOf[id]]) and \(hosts[h])")
                }
                hostOf[id] = h
            }
        }
        let open = hosts.indices.filter { hosts[$0].replicas == nil }
        let unplaced = hostOf.indices.filter { hostOf[$0] < 0 }
        if let missing = unplaced.first, open.isEmpty {
            throw ExperimentError("hosts file \(path) places \(n - unplaced.count) of the cluster's \(n) replicas: replica \(missing) has no host "
                                  + "(list it under a host's replicas, or leave a host without a replicas list to take the rest round-robin)")
        }
        for (k, id) in unplaced.enumerated() { hostOf[id] = open[k % open.count] }
        // Two replicas on one host need two ports there; the same address on two hosts is one machine named twice.
        for a in hosts.indices {
            for b in hosts.indices where b > a && hosts[a].address == hosts[b].address && hostOf.contains(a) && hostOf.contains(b) {
                throw ExperimentError("hosts file \(path): hosts \(hosts[a]) and \(hosts[b]) both give address \(hosts[a].address)")
            }
        }
        return RemotePlacement(hosts: hosts, hostOfReplica: hostOf, generatorHosts: hosts.indices.filter { hosts[$0].generator })
    }

    /// Checks every host (ssh, this build of consensus-bench) and returns the file with each host's
    /// binary as found or pushed.
    public func checked(localExecutable: String, pushBinary: Bool) throws -> (HostsFile, [HostCheck.Ready]) {
        let ready: [HostCheck.Ready]
        do { ready = try HostCheck.run(hosts, localExecutable: localExecutable, pushBinary: pushBinary) } catch let error as LoopbackError {
            throw ExperimentError(error.description)
        }
        return (HostsFile(path: path, hosts: ready.map(\.host)), ready)
    }
}
