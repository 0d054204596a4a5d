/// validate's plot: each metric's simulated value against the tcp shell's, on log-log axes, with the
/// line where they are equal and the ±20 % band around it dashed.
public enum ValidationPlot {
    public static func chart(_ rows: [(metric: String, sim: Double?, tcp: Double?)]) -> Chart {
        var metrics: [String] = []
        for r in rows where !metrics.contains(r.metric) { metrics.append(r.metric) }
        var series: [Series] = []
        for (i, metric) in metrics.enumerated() {
            let points = rows.filter { $0.metric == metric }.compactMap { r -> ChartPoint? in
                guard let s = r.sim, let t = r.tcp, s > 0, t > 0 else { return nil }
                return ChartPoint(x: t, y: s)
            }
            var style = SeriesStyle.measured(i)
            style.dash = "0 1"  // markers only: the points of one metric are not a curve
            series.append(Series(name: metric, markers: points, line: [], style: style))
        }
        let values = rows.flatMap { [$0.sim, $0.tcp] }.compactMap { $0 }.filter { $0 > 0 }
        if let low = values.min(), let high = values.max() {
            let ends = [low / 1.5, high * 1.5]
            series.append(.analytic(name: "sim = tcp", points: ends.map { ChartPoint(x: $0, y: $0) }, dash: "6 4"))
            series.append(.analytic(name: "±20 %", points: ends.map { ChartPoint(x: $0, y: $0 * 1.2) }, color: "#999999", dash: "2 4"))
            series.append(.analytic(name: "", points: ends.map { ChartPoint(x: $0, y: $0 / 1.2) }, color: "#999999", dash: "2 4"))
        }
        return Chart(title: "The simulator against the tcp shell",
                     subtitle: "each metric's simulated value over its tcp value; on the dashed line they agree",
                     xAxis: Axis(label: "tcp shell", scale: .log10), yAxis: Axis(label: "simulator", scale: .log10),
                     series: series)
    }
}
