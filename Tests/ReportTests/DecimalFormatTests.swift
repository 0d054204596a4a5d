import Testing
@testable import Report

@Suite("decimal formatting")
struct DecimalFormatTests {
    @Test("fixed places are exact, rounded half away from zero from the shortest decimal form",
          arguments: [
            (0.0, 2, "0.00"), (1.0, 0, "1"), (2.5, 3, "2.500"), (2.675, 2, "2.68"),
            (0.125, 2, "0.13"), (-0.125, 2, "-0.13"), (0.1 + 0.2, 2, "0.30"), (9.995, 2, "10.00"),
            (99.96, 1, "100.0"), (0.0004, 3, "0.000"), (0.0005, 3, "0.001"), (-0.0004, 3, "0.000"),
            (-0.0, 1, "0.0"), (123456.789, 1, "123456.8"), (1e-5, 6, "0.000010"),
            (1e20, 2, "100000000000000000000.00"), (1.5e-7, 7, "0.0000002"),
            (12.0, 0, "12"), (0.5, 0, "1"), (0.49, 0, "0"), (3.14159, 4, "3.1416"),
          ] as [(Double, Int, String)])
    func fixedPlaces(value: Double, places: Int, expected: String) {
        #expect(formatDecimal(value, places: places) == expected)
    }

    @Test("non-finite values are written as nan, inf and -inf")
    func nonFinite() {
        #expect(formatDecimal(.nan, places: 2) == "nan")
        #expect(formatDecimal(.infinity, places: 2) == "inf")
        #expect(formatDecimal(-.infinity, places: 0) == "-inf")
    }

    @Test("formatting is stable: the same value gives the same bytes every time")
    func stable() {
        var generator = SplitMix(seed: 42)
        for _ in 0..<2000 {
            let value = Double(Int64(generator.next() % 10_000_000) - 5_000_000) / 1000
            let first = formatDecimal(value, places: 3)
            #expect(formatDecimal(value, places: 3) == first)
            // Three places of a value that has at most three decimals reproduce it exactly.
            #expect(Double(first) == value, "\(value) formatted as \(first)")
        }
    }

    @Test("significant digits keep small coefficients readable and never use exponents",
          arguments: [(2.0, 2, "2.0"), (0.01234, 2, "0.012"), (1534.0, 2, "1534"), (9.96, 2, "10.0"), (0.0, 2, "0.0")]
            as [(Double, Int, String)])
    func significant(value: Double, digits: Int, expected: String) {
        #expect(formatSignificant(value, digits: digits) == expected)
    }
}

/// A tiny seeded generator so tests draw the same values on every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
