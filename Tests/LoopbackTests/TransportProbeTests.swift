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
}
