import Testing
@testable import Report

@Suite("SVG charts")
struct ChartSVGTests {
    @Test("every standard chart is well-formed XML with one series per protocol")
    func standardChartsWellFormed() throws {
        let tables = try SweepFixture.tables()
        let charts = [
            try StandardPlots.messagesPerOp(runs: tables.runs, expected: Self.curves),
            try StandardPlots.bytesPerOp(runs: tables.runs),
            try StandardPlots.throughput(runs: tables.runs),
            try StandardPlots.latencyCDF(runs: tables.runs, latency: tables.latency),
            try StandardPlots.timeseries(runs: tables.runs, timeseries: tables.timeseries),
        ]
        for chart in charts {
            let check = XMLCheck(chart.svg())
            #expect(check.wellFormed, "\(chart.title): \(check.error ?? "")")
            let series = check.elements(withClass: "series")
            #expect(series.count == 2, "\(chart.title)")
            #expect(series.compactMap { $0.attributes["data-series"]?.split(separator: " ").first }
                        .map(String.init) == ["raft", "pbft"], "\(chart.title)")
            #expect(check.elements.first?.name == "svg")
            #expect(check.elements.first?.attributes["viewBox"] == "0 0 720.0 480.0")
        }
    }

    /// Curves as the CLI hands them over (the protocols declare them; HarnessTests check those).
    static let curves = [
        StandardPlots.ExpectedCurve(name: "2n (Raft)", dash: "8 5") { 2 * $0 },
        StandardPlots.ExpectedCurve(name: "2n²−n+1 (PBFT)", dash: "12 4 3 4") { 2 * $0 * $0 - $0 + 1 },
    ]

    @Test("the messages chart draws the expected curves it is given dashed beside the measured series")
    func expectedCurves() throws {
        let chart = try StandardPlots.messagesPerOp(runs: try SweepFixture.tables().runs, expected: Self.curves)
        let check = XMLCheck(chart.svg())
        let analytic = check.elements(withClass: "analytic")
        #expect(analytic.map { $0.attributes["data-series"] ?? "" } == ["2n (Raft)", "2n²−n+1 (PBFT)"])
        let dashedLines = check.elements.filter { $0.attributes["class"] == "line" && $0.attributes["stroke-dasharray"] != nil }
        #expect(dashedLines.count == 2)
        // Every measured run gets a marker: 3 Raft and 3 PBFT points, plus one per legend entry.
        #expect(check.elements(withClass: "marker").count == 6 + 2)
    }

    @Test("the latency chart has a p50 and a p99 series per protocol")
    func latencySeries() throws {
        let check = XMLCheck(try StandardPlots.latency(runs: try SweepFixture.tables().runs).svg())
        #expect(check.wellFormed)
        #expect(check.elements(withClass: "series").map { $0.attributes["data-series"] ?? "" }
                    == ["raft p50", "raft p99", "pbft p50", "pbft p99"])
    }

    @Test("titles, labels and series names are escaped, so any text gives well-formed XML")
    func escaping() {
        let nasty = "a<b & \"c\" 'd' > e\u{1}"
        let chart = Chart(title: nasty, subtitle: nasty,
                          xAxis: Axis(label: nasty, unit: "<µs>"), yAxis: Axis(label: nasty, scale: .log10),
                          series: [Series(name: nasty, points: [ChartPoint(x: 1, y: 1), ChartPoint(x: 2, y: 10)],
                                          style: .measured(0))])
        let check = XMLCheck(chart.svg())
        #expect(check.wellFormed, "\(check.error ?? "")")
        #expect(check.text.contains("a<b & \"c\" 'd' > e"))
        #expect(check.elements(withClass: "series").first?.attributes["data-series"] == "a<b & \"c\" 'd' > e")
    }

    @Test("a chart with no drawable data says so instead of failing")
    func noData() {
        let chart = Chart(title: "empty", xAxis: Axis(label: "x", scale: .log10), yAxis: Axis(label: "y"),
                          series: [Series(name: "zeros", points: [ChartPoint(x: 0, y: 0)], style: .measured(0))])
        let check = XMLCheck(chart.svg())
        #expect(check.wellFormed)
        #expect(check.elements(withClass: "no-data").count == 1)
    }

    @Test("the same chart renders to the same bytes")
    func deterministic() throws {
        let runs = try SweepFixture.tables().runs
        #expect(try StandardPlots.messagesPerOp(runs: runs, expected: Self.curves).svg()
                    == StandardPlots.messagesPerOp(runs: runs, expected: Self.curves).svg())
    }

    @Test("series use the Okabe–Ito colours in order, and fonts are at least 12 px")
    func coloursAndFonts() throws {
        let svg = try StandardPlots.throughput(runs: try SweepFixture.tables().runs).svg()
        let check = XMLCheck(svg)
        let strokes = check.elements.filter { $0.attributes["class"] == "line" }.compactMap { $0.attributes["stroke"] }
        #expect(strokes == [OkabeIto.blue, OkabeIto.vermillion])
        let sizes = check.elements.compactMap { $0.attributes["font-size"] }.compactMap(Double.init)
        #expect(!sizes.isEmpty)
        #expect(sizes.allSatisfy { $0 >= 12 })
    }
}

@Suite("axis ticks")
struct AxisTickTests {
    @Test("linear ticks fall on 1-2-5 steps and cover the data")
    func linearTicks() {
        let axis = ResolvedAxis.resolve(Axis(label: "n", includesZero: true), values: [3, 31], length: 500,
                                        tickSpacing: 80) { _ in 20 }
        let steps = zip(axis.ticks.dropFirst(), axis.ticks).map { $0.value - $1.value }
        #expect(Set(steps.map { formatDecimal($0, places: 6) }).count == 1)
        #expect([1.0, 2, 5, 10, 20].contains(steps.first ?? 0))
        #expect(axis.lower == 0 && axis.upper >= 31)
        #expect(axis.ticks.allSatisfy { $0.label != nil })
    }

    @Test("log ticks label the decades, and 2 and 5 when there is room")
    func logTicks() {
        let roomy = ResolvedAxis.resolve(Axis(label: "y", scale: .log10), values: [6, 1892], length: 360,
                                         tickSpacing: 50) { _ in 16 }
        let labels = roomy.ticks.compactMap(\.label)
        #expect(labels == ["5", "10", "20", "50", "100", "200", "500", "1000", "2000"].filter(labels.contains))
        #expect(labels.contains("10") && labels.contains("100") && labels.contains("1000"))
        #expect(labels.contains("20") && labels.contains("50"))
        let cramped = ResolvedAxis.resolve(Axis(label: "y", scale: .log10), values: [1, 1e6], length: 120,
                                           tickSpacing: 50) { _ in 16 }
        #expect(cramped.ticks.compactMap(\.label).allSatisfy { ["1", "10", "100", "1000", "10k", "100k", "1M"].contains($0) })
    }

    @Test("a log axis over a narrow range ticks around the data instead of leaving it empty")
    func narrowLog() {
        let axis = ResolvedAxis.resolve(Axis(label: "latency", scale: .log10), values: [821, 879], length: 500,
                                        tickSpacing: 80) { $0.count == 0 ? 0 : Double($0.count) * 7.2 }
        #expect(axis.lower == 820 && axis.upper == 880)
        #expect(axis.ticks.compactMap(\.label) == ["820", "830", "840", "850", "860", "870", "880"])
    }

    @Test("whole-number data such as cluster sizes never get fractional ticks")
    func integralTicks() {
        let single = ResolvedAxis.resolve(Axis(label: "n"), values: [3], length: 500, tickSpacing: 80) { _ in 10 }
        #expect(single.ticks.compactMap(\.label) == ["2", "3", "4"])
        let seconds = ResolvedAxis.resolve(Axis(label: "s"), values: [0, 1], length: 500, tickSpacing: 80) { _ in 10 }
        #expect(seconds.ticks.allSatisfy { $0.value == $0.value.rounded() })
    }

    @Test("tick labels shorten thousands and keep the decimals a step needs")
    func labels() {
        #expect(ResolvedAxis.linearLabels([0, 20000, 40000], step: 20000) == ["0", "20k", "40k"])
        #expect(ResolvedAxis.linearLabels([0, 0.5, 1], step: 0.5) == ["0", "0.5", "1.0"])
        #expect(ResolvedAxis.logLabel(0.02) == "0.02")
        #expect(ResolvedAxis.logLabel(2_000_000) == "2M")
    }
}
