import ConsensusCore
import Testing

@Suite("Time and randomness")
struct TimeAndRandomTests {
    @Test("durations parse in the units users write")
    func parsing() {
        #expect(Interval(parsing: "200us")?.nanoseconds == 200_000)
        #expect(Interval(parsing: "5ms")?.nanoseconds == 5_000_000)
        #expect(Interval(parsing: "1.5s")?.nanoseconds == 1_500_000_000)
        #expect(Interval(parsing: "2")?.nanoseconds == 2_000_000_000)
        #expect(Interval(parsing: "-1s") == nil)
        #expect(Interval(parsing: "soon") == nil)
    }

    @Test("the same seed gives the same sequence; another seed another")
    func seeded() {
        var a = DeterministicRandom(seed: 42), b = DeterministicRandom(seed: 42), c = DeterministicRandom(seed: 43)
        let x = (0 ..< 8).map { _ in a.next() }
        #expect(x == (0 ..< 8).map { _ in b.next() })
        #expect(x != (0 ..< 8).map { _ in c.next() })
    }

    @Test("bounded draws stay in range")
    func bounded() {
        var r = DeterministicRandom(seed: 1)
        for _ in 0 ..< 1000 {
            #expect((0 ..< 7).contains(r.below(7)))
            let i = r.interval(.milliseconds(150), .milliseconds(300))
            #expect(i >= .milliseconds(150) && i <= .milliseconds(300))
        }
    }
}
