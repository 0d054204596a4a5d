import Foundation
import Harness
import Testing

@Suite("The hosts file: its form, and which host runs each replica")
struct HostsFileTests {
    static func load(_ text: String) throws -> HostsFile {
        let path = NSTemporaryDirectory() + "hosts-\(getpid())-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try HostsFile.load(path, defaultBinary: "/usr/local/bin/consensus-bench")
    }

    static func problem(_ text: String) -> String? {
        do { _ = try load(text); return nil } catch { return "\(error)" }
    }

    @Test("replicas go round-robin over hosts with no replicas list; a generator host says replicas: []")
    func roundRobin() throws {
        let file = try Self.load("""
            hosts:
              - {ssh: a@10.0.0.1, address: 10.0.0.1}
              - {ssh: b@10.0.0.2}
              - {ssh: c@10.0.0.3, address: 10.0.0.3, generator: true, replicas: []}
            """)
        #expect(file.hosts[1].address == "10.0.0.2")
        #expect(file.hosts[0].binary == "/usr/local/bin/consensus-bench")
        let placement = try file.placement(replicas: 5)
        #expect(placement.hostOfReplica == [0, 1, 0, 1, 0])
        #expect(placement.generatorHosts == [2])
    }

    @Test("listed replicas stay where they are listed, and the rest fill the unlisted hosts")
    func listedReplicas() throws {
        let file = try Self.load("""
            hosts:
              - {ssh: a@10.0.0.1, replicas: [3]}
              - {ssh: b@10.0.0.2}
            """)
        #expect(try file.placement(replicas: 4).hostOfReplica == [1, 1, 1, 0])
    }

    @Test("a replica with no host, or on two, is refused naming it")
    func missingOrDoubledReplica() throws {
        let few = try Self.load("""
            hosts:
              - {ssh: a@10.0.0.1, replicas: [0, 1]}
              - {ssh: b@10.0.0.2, replicas: [2]}
            """)
        #expect(throws: ExperimentError.self) { try few.placement(replicas: 4) }
        do { _ = try few.placement(replicas: 4) } catch { #expect("\(error)".contains("replica 3 has no host")) }
        let twice = try Self.load("""
            hosts:
              - {ssh: a@10.0.0.1, replicas: [0, 1]}
              - {ssh: b@10.0.0.2, replicas: [1]}
            """)
        do { _ = try twice.placement(replicas: 2) } catch { #expect("\(error)".contains("replica 1 is listed by both a@10.0.0.1 and b@10.0.0.2")) }
    }

    @Test("bad files are one line naming the file and the host", arguments: [
        ("hosts: [ {ssh: a, address: \n", "not valid YAML"),
        ("hosts: []\n", "names no hosts"),
        ("servers: [{ssh: a@10.0.0.1}]\n", "unknown key 'servers'"),
        ("hosts:\n  - {ssh: a@10.0.0.1, adress: 10.0.0.1}\n", "host 1: unknown key 'adress'"),
        ("hosts:\n  - {ssh: a@10.0.0.1, address: somewhere}\n", "(a@10.0.0.1): address 'somewhere' is not an IP address"),
        ("hosts:\n  - {ssh: a@10.0.0.1, port: 70000}\n", "'port' must be 1...65535"),
        ("hosts:\n  - {ssh: a@10.0.0.1}\n  - {ssh: b@10.0.0.2}\n  - {ssh: a@10.0.0.1}\n", "host a@10.0.0.1 is listed twice (hosts 1 and 3)"),
    ])
    func badFiles(text: String, expected: String) {
        let problem = Self.problem(text)
        #expect(problem?.contains(expected) == true, "\(problem ?? "accepted")")
        #expect(problem?.contains("\n") == false)
    }
}
