import ConsensusCore
import Foundation
@testable import Harness
import Simulation
import Testing

@Suite("Cost profiles")
struct CostProfileTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("results/profiles/project-machine.yaml").path

    @Test("the built-in profile is results/profiles/project-machine.yaml, byte for byte, and it parses")
    func builtInIsTheCommittedFile() throws {
        let text = try String(contentsOfFile: Self.file, encoding: .utf8)
        #expect(text == CostProfile.projectMachineYAML)
        let profile = CostProfile.projectMachine
        #expect(Set(profile.protocols.keys) == ["raft", "multipaxos", "pbft"])
        #expect(profile.network.perFrame > 0 && profile.crypto.mac > 0 && profile.disk.sync > 0)
    }

    @Test("a profile survives writing and reading back")
    func roundTrip() throws {
        let profile = CostProfile.projectMachine
        #expect(try CostProfile.load(yaml: profile.yaml(), path: "x.yaml") == profile)
    }

    @Test("applied to a protocol, each measured kind costs its figure plus the transport's per-frame cost")
    func appliedTable() {
        var profile = CostProfile()
        profile.network.perFrame = 700
        var raft = CostProfile.ProtocolCosts()
        raft.handle = ["AppendEntries": 300, "request": 200]
        raft.send = ["AppendEntries": 100, "reply": 50]
        profile.protocols["raft"] = raft
        profile.crypto.mac = 123
        let cpu = profile.applied(to: CPUModel(), protocolName: "raft")
        #expect(cpu.handling["AppendEntries"] == .nanoseconds(1000))
        #expect(cpu.handling["request"] == .nanoseconds(900))
        #expect(cpu.sending["reply"] == .nanoseconds(750))
        #expect(cpu.handling["RequestVote"] == nil, "an unmeasured kind keeps the flat cost")
        #expect(cpu.perBytePicoseconds == 0)
        #expect(cpu.perMAC == .nanoseconds(123))
        #expect(profile.applied(to: CPUModel(), protocolName: "pbft").handling.isEmpty)
    }

    @Test("a persist costs the journal write plus encoding the protocol's records, or the write alone where none was measured")
    func appliedPersist() {
        var profile = CostProfile()
        profile.disk.write = 900
        var pbft = CostProfile.ProtocolCosts()
        pbft.handle = ["Prepare": 300]
        pbft.persist = 1100
        profile.protocols["pbft"] = pbft
        profile.protocols["raft"] = CostProfile.ProtocolCosts()
        #expect(profile.applied(to: CPUModel(), protocolName: "pbft").perPersist == .nanoseconds(2000))
        #expect(profile.applied(to: CPUModel(), protocolName: "raft").perPersist == .nanoseconds(900))
        #expect(profile.applied(to: CPUModel(), protocolName: "multipaxos").perPersist == .nanoseconds(900))
    }

    @Test("malformed or foreign files are refused with one line naming the file", arguments: [
        ("not: [valid", "not valid YAML"),
        ("- a\n- list\n", "is not a consensus-bench cost profile"),
        ("clients: 16\nprotocols: raft\n", "is not a consensus-bench cost profile"),
        ("format: consensus-bench-profile/1\n", "missing"),
        (edited(#"(?m)^  mac: \d+"#, "  mac: abc"), "crypto.mac"),
        (edited(#"(?m)^  write: \d+"#, "  write: -5"), "disk.write is negative"),
        (edited(#"(?m)^  raft:$"#, "  raft:\n    persist: -3"), "protocols.raft.persist is negative"),
    ])
    func refused(yaml: String, expected: String) {
        do {
            _ = try CostProfile.load(yaml: yaml, path: "p.yaml")
            Issue.record("accepted: \(yaml)")
        } catch {
            let line = "\(error)"
            #expect(line.contains("p.yaml") && line.contains(expected) && !line.contains("\n"), "\(line)")
        }
    }

    /// The built-in profile with one line replaced.
    static func edited(_ pattern: String, _ replacement: String) -> String {
        CostProfile.projectMachineYAML.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
    }
}

@Suite("validate's simulated twin")
struct ValidationTwinTests {
    @Test("the simulator's twin of a tcp spec charges the profile for its protocol over the profile's loopback link")
    func simulatedTwin() {
        var tcp = ExperimentSpec()
        tcp.protocolName = "pbft"
        tcp.shell = "tcp"
        let profile = CostProfile.projectMachine
        let sim = Validation(profile: profile).simulated(tcp)
        #expect(sim.shell == "sim")
        #expect(sim.network.latency == .nanoseconds(profile.network.oneWay) && sim.network.jitter == .nanoseconds(profile.network.jitter))
        #expect(sim.cpu.handling["PrePrepare"] == .nanoseconds(profile.protocols["pbft"]!.handle["PrePrepare"]! + profile.network.perFrame))
        #expect(sim.workload == tcp.workload && sim.protocolName == tcp.protocolName)
    }

    @Test("with the transport taken apart, the twin charges syscalls per tick, frame work per frame, and links the rest of the median")
    func twinWithTicks() throws {
        var profile = CostProfile.projectMachine
        profile.network.perSyscall = 1_500
        profile.network.perWakeUp = 30_000
        profile.network.frameWork = 300
        profile.network.roundTripP50 = 100_000
        profile.network.jitter = 20_000
        #expect(try CostProfile.load(yaml: profile.yaml(), path: "x.yaml") == profile)
        var tcp = ExperimentSpec()
        tcp.protocolName = "raft"
        tcp.shell = "tcp"
        let sim = Validation(profile: profile).simulated(tcp)
        #expect(sim.eventLoopTicks == EventLoopTicks(perSyscall: .nanoseconds(1_500), perWakeUp: .nanoseconds(30_000)))
        #expect(sim.cpu.handling["AppendEntries"] == .nanoseconds(profile.protocols["raft"]!.handle["AppendEntries"]! + 300))
        // A lone frame: 2 × 300 frame work + a write + a read (2 × 1 500) + a wake-up (30 000) = 33 600 ns
        // of CPU; the link carries the rest of the 50 000 ns median one way, 16 400 ns on average.
        #expect(sim.network.latency.nanoseconds + sim.network.jitter.nanoseconds / 2 == 16_400)
        #expect(sim.network.jitter == .nanoseconds(20_000))
        // Without the fit, the twin is what it was: syscalls folded into the per-frame figure.
        #expect(Validation(profile: .projectMachine).simulated(tcp).eventLoopTicks == nil)
    }

    @Test("a row's ratio is sim over tcp, and absent when either is")
    func ratio() {
        var row = Validation.Row(protocolName: "raft", nodes: 3, metric: "capacity", unit: "ops/s", sim: 120, tcp: 100)
        #expect(row.ratio == 1.2)
        row.tcp = nil
        #expect(row.ratio == nil)
    }
}
