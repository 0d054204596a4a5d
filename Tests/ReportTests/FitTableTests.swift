import Testing
@testable import Report

@Suite("fit.csv and the fit summary")
struct FitTableTests {
    @Test("a sweep's fit finds k = 1 for Raft and k ≈ 2 for PBFT, per metric")
    func fitsPerProtocol() throws {
        let fits = try FitTable.fits(runs: try SweepFixture.tables().runs)
        #expect(fits.map { "\($0.protocolName) \($0.metric.rawValue)" }
                    == ["raft messages_per_op", "raft bytes_per_op", "pbft messages_per_op", "pbft bytes_per_op"])
        let raft = try #require(fits[0].fit)
        #expect(abs(raft.exponent - 1) < 1e-9 && abs(raft.coefficient - 2) < 1e-9)
        let pbft = try #require(fits[2].fit)
        #expect(abs(pbft.exponent - 2) < 0.1)
        #expect(fits.allSatisfy { $0.points == 3 })
    }

    @Test("fit.csv has the documented columns and loads with the strict parser")
    func csvShape() throws {
        let text = FitTable.csv(try FitTable.fits(runs: try SweepFixture.tables().runs))
        let table = try CSVTable.parse(text)
        #expect(table.header == ["protocol", "metric", "k", "c", "r2", "points"])
        #expect(table.rows[0] == ["raft", "messages_per_op", "1.000", "2.0000", "1.0000", "3"])
    }

    @Test("the summary reads like 'pbft  messages/op ≈ 2.0·n^2.00 (r² 1.000)'")
    func summaryLine() throws {
        let summary = FitTable.summary(try FitTable.fits(runs: try SweepFixture.tables().runs))
        let lines = summary.split(separator: "\n").map(String.init)
        #expect(lines[0] == "raft        messages/op ≈ 2.0·n^1.00 (r² 1.000)")
        #expect(lines[2].hasPrefix("pbft        messages/op ≈ "))
    }

    @Test("a protocol measured at one size only gets a row without a fit")
    func oneSize() throws {
        let runs = try CSVTable.parse("protocol,nodes,messages_per_op,bytes_per_op\nraft,3,6,500\nraft,3,6.1,510\n")
        let fits = try FitTable.fits(runs: runs)
        #expect(fits.allSatisfy { $0.fit == nil && $0.points == 2 })
        #expect(FitTable.csv(fits).contains("raft,messages_per_op,,,,2\n"))
        #expect(FitTable.summary(fits).contains("no fit: power-law fit: needs at least 2 distinct x values, got 1"))
    }
}
