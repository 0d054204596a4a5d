import Foundation
import Testing
@testable import Report

@Suite("rendering a result folder")
struct ReportRendererTests {
    @Test("render(from:) writes every plot, fit.csv and index.html from the CSV files alone")
    func rendersFolder() throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("report-render-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for (name, text) in [("runs.csv", SweepFixture.runs), ("latency.csv", SweepFixture.latency),
                             ("timeseries.csv", SweepFixture.timeseries), ("messages.csv", SweepFixture.messages)] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        let report = try ReportRenderer.render(from: folder)
        let expected = ["messages_per_op.svg", "bytes_per_op.svg", "throughput.svg", "latency.svg",
                        "latency_cdf.svg", "timeseries.svg", "fit.csv", "index.html"]
        #expect(report.fileNames == expected)
        #expect(report.skipped.isEmpty)
        for name in expected {
            #expect(FileManager.default.fileExists(atPath: folder + "/" + name), "\(name)")
        }
        let html = try String(contentsOfFile: folder + "/index.html", encoding: .utf8)
        for svg in expected where svg.hasSuffix(".svg") {
            #expect(html.contains("<img src=\"\(svg)\""))
        }
        #expect(html.contains("<th>linearizable</th>"))
        #expect(html.contains("<td>pbft</td>"))
        // Rendering twice gives the same bytes (fit.csv included).
        let again = try ReportRenderer.render(from: folder)
        #expect(again.files.map(\.contents) == report.files.map(\.contents))
    }

    @Test("a single run folder without point columns renders, and missing files are skipped")
    func singleRun() throws {
        let runs = try CSVTable.parse("""
            protocol,shell,nodes,faults,clients,seed,throughput_ops_s,latency_p50_us,latency_p99_us,messages_per_op,bytes_per_op
            raft,sim,5,2,8,1,1800,550,980,10,900

            """)
        let latency = try CSVTable.parse("percentile,latency_us\n50,550\n99,980\n100,1200\n")
        let report = try ReportRenderer.render(runs: runs, latency: latency)
        #expect(report.skipped == ["timeseries.svg: no timeseries.csv"])
        let cdf = XMLCheck(try #require(report.contents(of: "latency_cdf.svg")))
        #expect(cdf.wellFormed)
        #expect(cdf.elements(withClass: "series").count == 1)
    }

    @Test("a runs.csv with a header and no rows yet (a sweep stopped early) renders empty charts")
    func noRowsYet() throws {
        let runs = try CSVTable.parse("point,protocol,shell,nodes,faults,messages_per_op,bytes_per_op\n")
        let report = try ReportRenderer.render(runs: runs, latency: try CSVTable.parse("point,percentile,latency_us\n"),
                                               timeseries: try CSVTable.parse("point,second,completed_ops,p99_us\n"))
        for file in report.files where file.name.hasSuffix(".svg") {
            let check = XMLCheck(file.contents)
            #expect(check.wellFormed, "\(file.name)")
            #expect(check.elements(withClass: "no-data").count == 1, "\(file.name)")
        }
        #expect(report.contents(of: "fit.csv") == "protocol,metric,k,c,r2,points\n")
    }

    @Test("index.html escapes CSV values")
    func htmlEscapes() throws {
        let runs = try CSVTable.parse("protocol,nodes,messages_per_op,bytes_per_op\n\"<script>x</script>\",3,6,60\n")
        let report = try ReportRenderer.render(runs: runs)
        let html = try #require(report.contents(of: "index.html"))
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;x&lt;/script&gt;"))
    }

    @Test("a folder without runs.csv, or with a malformed one, is a one-line error")
    func badFolder() throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("report-bad-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(throws: ReportError("\(folder): no runs.csv here")) { try ReportRenderer.render(from: folder) }
        try Data("protocol,nodes\nraft,3\nraft\n".utf8).write(to: URL(fileURLWithPath: folder + "/runs.csv"))
        do {
            try ReportRenderer.render(from: folder)
            Issue.record("a ragged runs.csv must be rejected")
        } catch {
            #expect("\(error)" == "\(folder)/runs.csv line 3: row has 1 fields, the header has 2")
        }
    }
}

@Suite("capacity in the report")
struct CapacityReportTests {
    static let runs = """
        point,protocol,nodes,messages_per_op,bytes_per_op,throughput_ops_s,latency_p50_us,latency_p99_us,capacity_ops_s
        0,raft,3,6,300,19000,800,900,150000
        1,raft,5,10,500,19000,800,900,90000
        2,pbft,4,25,2000,15000,1000,1200,54000
        3,pbft,7,85,8000,14000,1100,1300,30000

        """

    @Test("runs with capacity_ops_s get capacity.svg, one series per protocol, and a capacity fit per protocol")
    func capacityChartAndFit() throws {
        let table = try CSVTable.parse(Self.runs)
        let report = try ReportRenderer.render(runs: table)
        #expect(report.fileNames.contains("capacity.svg"))
        let chart = try #require(try StandardPlots.capacity(runs: table))
        #expect(chart.series.count == 2)
        let capacityFits = report.fits.filter { $0.metric == .capacity }
        #expect(capacityFits.map(\.protocolName) == ["raft", "pbft"])
        #expect(capacityFits.allSatisfy { ($0.fit?.exponent ?? 0) < 0 }, "capacity falls with n")
    }

    @Test("runs without capacity get neither the chart nor capacity rows in fit.csv")
    func noCapacityNoChart() throws {
        let text = Self.runs.replacingOccurrences(of: ",capacity_ops_s", with: "")
            .split(separator: "\n").map { $0.split(separator: ",").prefix(8).joined(separator: ",") }.joined(separator: "\n") + "\n"
        let report = try ReportRenderer.render(runs: try CSVTable.parse(text))
        #expect(!report.fileNames.contains("capacity.svg"))
        #expect(!report.fits.contains { $0.metric == .capacity })
    }
}
