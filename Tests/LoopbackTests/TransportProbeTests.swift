import Loopback
import Testing

/// `calibrate`'s loopback probe: the simulator's per-frame charge is the CPU the tcp shell's transport
/// uses, so the probe must count CPU time, not only the wall time its frames took.
@Suite("Transport probe")
struct TransportProbeTests {
    @Test("an echo of 64 frames in flight counts every round trip and the CPU its two event loops used")
    func pipelinedEchoCountsCPU() throws {
        let figures = try Loopback.TransportProbe.echo(roundTrips: 20_000, inFlight: 64)
        #expect(figures.roundTrips == 20_000)
        #expect(figures.seconds > 0)
        // Every frame is a read and a write of a syscall's share: far more than nothing. (No upper
        // bound: tests running beside it in this process add their own CPU time.)
        let cpuPerFrame = Double(figures.cpuNanoseconds) / Double(2 * figures.roundTrips)
        #expect(cpuPerFrame > 50, "CPU per frame \(cpuPerFrame) ns")
        #expect(figures.roundTripNanoseconds.isEmpty, "round trips are timed one by one only in a ping-pong")
    }

    @Test("a ping-pong makes a read, a write and a tick per frame on each side; 64 frames in flight share them")
    func syscallCounts() throws {
        let alone = try Loopback.TransportProbe.echo(roundTrips: 2_000, inFlight: 1)
        // Each round trip: each side reads one frame (a read, in a tick of its own) and writes one.
        #expect(abs(alone.readsAndWritesPerFrameSide - 1) < 0.05, "\(alone.readsAndWritesPerFrameSide) reads and writes per frame and side")
        #expect(abs(alone.ticksPerFrameSide - 0.5) < 0.05, "\(alone.ticksPerFrameSide) ticks per frame and side")
        let batched = try Loopback.TransportProbe.echo(roundTrips: 20_000, inFlight: 64)
        #expect(batched.readsAndWritesPerFrameSide < alone.readsAndWritesPerFrameSide / 4,
                "\(batched.readsAndWritesPerFrameSide) against \(alone.readsAndWritesPerFrameSide)")
        #expect(batched.ticksPerFrameSide < alone.ticksPerFrameSide / 4)
    }
}
