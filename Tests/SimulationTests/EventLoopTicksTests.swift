import ConsensusCore
import ShellKit
import Simulation
import Testing

/// The event loops' syscalls as the simulator charges them (`EventLoopTicks`), driven through a toy
/// cluster with a fixed seed.
@Suite("Event-loop ticks")
struct EventLoopTicksTests {
    static let model = EventLoopTicks(perSyscall: .microseconds(1), perWakeUp: .microseconds(10))

    /// Syscalls and wake-ups charged per completed operation, replicas sharing two CPUs as the tcp shell's loops.
    static func perOperation(clients: Int, ticks: EventLoopTicks? = model) -> (syscalls: Double, wakeUps: Double, completed: Int) {
        var options = SimulationOptions(seed: 3)
        options.workload.clients = clients
        options.sharedCPUs = 2
        options.eventLoopTicks = ticks
        let sim = Simulator<ToyReplica>(cluster: ClusterConfig(replicaCount: 3, faultTolerance: 0),
                                        settings: .init(tickInterval: nil, persistsFirst: .max), options: options)
        sim.start()
        sim.run(for: .milliseconds(100))
        let completed = sim.records.filter { $0.completed != nil }.count
        return (Double(sim.syscallsCharged) / Double(max(1, completed)), Double(sim.wakeUpsCharged) / Double(max(1, completed)), completed)
    }

    @Test("frames that wait for one tick share its syscalls: 64 clients cost fewer syscalls per operation than one")
    func framesShareSyscalls() {
        let one = Self.perOperation(clients: 1), many = Self.perOperation(clients: 64)
        #expect(one.completed > 0 && many.completed > one.completed)
        #expect(many.syscalls * 2 < one.syscalls, "\(many.syscalls) against \(one.syscalls) syscalls per operation")
    }

    @Test("a loop that slept pays a wake-up; one kept busy rarely does")
    func wakeUpsFollowIdleness() {
        let one = Self.perOperation(clients: 1), many = Self.perOperation(clients: 64)
        #expect(one.wakeUps >= 1, "\(one.wakeUps) wake-ups per operation at one client")
        #expect(many.wakeUps * 4 < one.wakeUps, "\(many.wakeUps) against \(one.wakeUps) wake-ups per operation")
    }

    @Test("syscalls cost time: the same load completes fewer operations when they are charged")
    func syscallsCostTime() {
        let charged = Self.perOperation(clients: 64), free = Self.perOperation(clients: 64, ticks: nil)
        #expect(free.syscalls == 0)
        #expect(charged.completed < free.completed, "\(charged.completed) against \(free.completed) operations")
    }
}
