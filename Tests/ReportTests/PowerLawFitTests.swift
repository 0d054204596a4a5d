import Testing
@testable import Report

@Suite("power-law fit")
struct PowerLawFitTests {
    let sizes: [Double] = [3, 5, 7, 9, 11, 15, 21, 31]

    @Test("the fit recovers k = 1 and c from y = 2n")
    func linear() throws {
        let fit = try PowerLawFit.fit(x: sizes, y: sizes.map { 2 * $0 })
        #expect(abs(fit.exponent - 1) < 1e-12)
        #expect(abs(fit.coefficient - 2) < 1e-12)
        #expect(abs(fit.rSquared - 1) < 1e-12)
        #expect(fit.points == sizes.count)
    }

    @Test("the fit recovers k = 2 and c from y = 2n², and near 2 from PBFT's 2n² − n + 1")
    func quadratic() throws {
        let exact = try PowerLawFit.fit(x: sizes, y: sizes.map { 2 * $0 * $0 })
        #expect(abs(exact.exponent - 2) < 1e-12)
        #expect(abs(exact.coefficient - 2) < 1e-12)
        let pbftSizes: [Double] = (1...10).map { 3 * Double($0) + 1 }
        let pbft = try PowerLawFit.fit(x: pbftSizes, y: pbftSizes.map { 2 * $0 * $0 - $0 + 1 })
        #expect(abs(pbft.exponent - 2) < 0.1)
        #expect(pbft.rSquared > 0.99)
        #expect(abs(pbft.evaluate(at: 31) - (2 * 31 * 31 - 31 + 1)) / 1892 < 0.1)
    }

    @Test("noisy data give r² below 1 and an exponent near the truth")
    func noisy() throws {
        var generator = SplitMix(seed: 7)
        let y = sizes.map { n -> Double in
            let noise = 1 + (Double(generator.next() % 1000) / 1000 - 0.5) * 0.1
            return 3 * n * noise
        }
        let fit = try PowerLawFit.fit(x: sizes, y: y)
        #expect(abs(fit.exponent - 1) < 0.1)
        #expect(fit.rSquared < 1 && fit.rSquared > 0.9)
    }

    @Test("fewer than two distinct sizes, non-positive values or mismatched lengths give no fit")
    func failures() {
        #expect(throws: PowerLawFit.Failure.tooFewDistinctX(1)) {
            try PowerLawFit.fit(x: [5, 5, 5], y: [10, 11, 12])
        }
        #expect(throws: PowerLawFit.Failure.tooFewDistinctX(0)) { try PowerLawFit.fit(x: [], y: []) }
        #expect(throws: PowerLawFit.Failure.notPositive(x: 3, y: 0)) {
            try PowerLawFit.fit(x: [3, 5], y: [0, 10])
        }
        #expect(throws: PowerLawFit.Failure.lengthMismatch(x: 2, y: 1)) {
            try PowerLawFit.fit(x: [3, 5], y: [1])
        }
    }
}
