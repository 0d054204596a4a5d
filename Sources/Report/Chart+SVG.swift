// Drawing a Chart as a self-contained SVG document, by hand: no plotting tools, no fonts to embed.

extension Chart {
    /// The chart as a complete, well-formed SVG document (UTF-8, with an XML declaration).
    ///
    /// Structure a reader can rely on: one `<g class="series" data-series="NAME">` per measured
    /// series, one `<g class="analytic" data-series="NAME">` per expected curve, and a
    /// `<g class="legend">`. Every text is escaped. Coordinates are written with one decimal, so the
    /// same chart gives the same bytes.
    public func svg() -> String {
        var layout = ChartLayout(chart: self)
        layout.resolve()
        return layout.draw()
    }
}

/// Text metrics we can rely on without fonts: a character is at most ~0.6 em wide in the
/// sans-serif faces browsers and librsvg pick.
private func textWidth(_ text: String, fontSize: Double) -> Double {
    Double(text.count) * fontSize * 0.6
}

private func px(_ value: Double) -> String {
    formatDecimal(value, places: 1)
}

private struct ChartLayout {
    let chart: Chart
    var left = 0.0, right = 0.0, top = 0.0, bottom = 0.0
    var x = ResolvedAxis(scale: .linear, lower: 0, upper: 1, ticks: [])
    var y = ResolvedAxis(scale: .linear, lower: 0, upper: 1, ticks: [])
    var legendX = 0.0
    var legendLabels: [String] = []

    static let fontFamily = "Helvetica, Arial, 'DejaVu Sans', 'Liberation Sans', sans-serif"
    static let tickFont = 12.0
    static let legendFont = 13.0
    static let axisTitleFont = 14.0
    static let titleFont = 18.0
    static let legendRow = 22.0
    static let legendMaxCharacters = 24

    init(chart: Chart) {
        self.chart = chart
    }

    mutating func resolve() {
        let xValues = chart.series.flatMap { $0.markers.map(\.x) + $0.line.map(\.x) }
        let yValues = chart.series.flatMap { $0.markers.map(\.y) + $0.line.map(\.y) }
        top = chart.subtitle == nil ? 54 : 72
        bottom = chart.height - 64
        y = ResolvedAxis.resolve(chart.yAxis, values: yValues, length: bottom - top, tickSpacing: 50) { _ in Self.tickFont + 4 }
        let widestY = y.ticks.compactMap(\.label).map { textWidth($0, fontSize: Self.tickFont) }.max() ?? 0
        left = max(64, 24 + Self.axisTitleFont + 10 + widestY + 10)

        legendLabels = chart.series.map { series in
            series.name.count > Self.legendMaxCharacters
                ? String(series.name.prefix(Self.legendMaxCharacters - 1)) + "…" : series.name
        }
        if legendLabels.isEmpty {
            right = chart.width - 28
        } else {
            let widest = legendLabels.map { textWidth($0, fontSize: Self.legendFont) }.max() ?? 0
            let legendWidth = min(max(widest + 40, 96), 230)
            legendX = chart.width - legendWidth - 8
            right = legendX - 20
        }
        x = ResolvedAxis.resolve(chart.xAxis, values: xValues, length: right - left, tickSpacing: 80) {
            textWidth($0, fontSize: Self.tickFont)
        }
    }

    func mapX(_ value: Double) -> Double { x.position(value, from: left, to: right) }
    func mapY(_ value: Double) -> Double { y.position(value, from: bottom, to: top) }

    func draw() -> String {
        let clipID = "plot-area-" + slug(chart.title)
        var svg = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(px(chart.width)) \(px(chart.height))" \
        width="\(px(chart.width))" height="\(px(chart.height))" role="img" \
        font-family="\(escapeMarkup(Self.fontFamily))">
        <title>\(escapeMarkup(chart.title))</title>
        <rect x="0" y="0" width="\(px(chart.width))" height="\(px(chart.height))" fill="#ffffff"/>
        <defs><clipPath id="\(clipID)"><rect x="\(px(left))" y="\(px(top))" \
        width="\(px(right - left))" height="\(px(bottom - top))"/></clipPath></defs>

        """
        svg += drawTitles()
        svg += drawGridAndTicks()
        let drawable = chart.series.contains { series in
            (series.markers + series.line).contains { x.canShow($0.x) && y.canShow($0.y) }
        }
        if !drawable {
            svg += "<text class=\"no-data\" x=\"\(px((left + right) / 2))\" y=\"\(px((top + bottom) / 2))\" "
                + "font-size=\"16\" fill=\"#555555\" text-anchor=\"middle\">no data</text>\n"
        }
        for series in chart.series {
            svg += drawSeries(series, clipID: clipID)
        }
        svg += drawLegend()
        svg += "</svg>\n"
        return svg
    }

    private func drawTitles() -> String {
        var out = "<text class=\"title\" x=\"\(px(chart.width / 2))\" y=\"30\" font-size=\"\(px(Self.titleFont))\" "
            + "font-weight=\"bold\" text-anchor=\"middle\" fill=\"#000000\">\(escapeMarkup(chart.title))</text>\n"
        if let subtitle = chart.subtitle {
            out += "<text class=\"subtitle\" x=\"\(px(chart.width / 2))\" y=\"52\" font-size=\"13\" "
                + "text-anchor=\"middle\" fill=\"#444444\">\(escapeMarkup(subtitle))</text>\n"
        }
        let middleY = (top + bottom) / 2
        out += "<text class=\"axis-title\" x=\"\(px((left + right) / 2))\" y=\"\(px(chart.height - 18))\" "
            + "font-size=\"\(px(Self.axisTitleFont))\" text-anchor=\"middle\" fill=\"#000000\">"
            + "\(escapeMarkup(chart.xAxis.title))</text>\n"
        out += "<text class=\"axis-title\" x=\"34\" y=\"\(px(middleY))\" font-size=\"\(px(Self.axisTitleFont))\" "
            + "text-anchor=\"middle\" transform=\"rotate(-90 34 \(px(middleY)))\" "
            + "fill=\"#000000\">\(escapeMarkup(chart.yAxis.title))</text>\n"
        return out
    }

    private func drawGridAndTicks() -> String {
        var out = "<g class=\"grid\" stroke-width=\"1\">\n"
        for tick in x.ticks {
            let position = mapX(tick.value)
            out += "<line x1=\"\(px(position))\" y1=\"\(px(top))\" x2=\"\(px(position))\" y2=\"\(px(bottom))\" "
                + "stroke=\"\(tick.major ? "#d4d4d4" : "#eeeeee")\"/>\n"
        }
        for tick in y.ticks {
            let position = mapY(tick.value)
            out += "<line x1=\"\(px(left))\" y1=\"\(px(position))\" x2=\"\(px(right))\" y2=\"\(px(position))\" "
                + "stroke=\"\(tick.major ? "#d4d4d4" : "#eeeeee")\"/>\n"
        }
        out += "</g>\n<g class=\"axes\" stroke=\"#333333\" stroke-width=\"1\">\n"
        out += "<line x1=\"\(px(left))\" y1=\"\(px(bottom))\" x2=\"\(px(right))\" y2=\"\(px(bottom))\"/>\n"
        out += "<line x1=\"\(px(left))\" y1=\"\(px(top))\" x2=\"\(px(left))\" y2=\"\(px(bottom))\"/>\n"
        for tick in x.ticks {
            let position = mapX(tick.value)
            let length = tick.label == nil ? 3.0 : 6.0
            out += "<line x1=\"\(px(position))\" y1=\"\(px(bottom))\" x2=\"\(px(position))\" y2=\"\(px(bottom + length))\"/>\n"
        }
        for tick in y.ticks {
            let position = mapY(tick.value)
            let length = tick.label == nil ? 3.0 : 6.0
            out += "<line x1=\"\(px(left - length))\" y1=\"\(px(position))\" x2=\"\(px(left))\" y2=\"\(px(position))\"/>\n"
        }
        out += "</g>\n<g class=\"tick-labels\" font-size=\"\(px(Self.tickFont))\" fill=\"#222222\">\n"
        for tick in x.ticks {
            guard let label = tick.label else { continue }
            out += "<text x=\"\(px(mapX(tick.value)))\" y=\"\(px(bottom + 20))\" text-anchor=\"middle\">"
                + "\(escapeMarkup(label))</text>\n"
        }
        for tick in y.ticks {
            guard let label = tick.label else { continue }
            out += "<text x=\"\(px(left - 9))\" y=\"\(px(mapY(tick.value) + 4))\" text-anchor=\"end\">"
                + "\(escapeMarkup(label))</text>\n"
        }
        out += "</g>\n"
        return out
    }

    private func drawSeries(_ series: Series, clipID: String) -> String {
        let style = series.style
        let kindClass = series.kind == .measured ? "series" : "analytic"
        var out = "<g class=\"\(kindClass)\" data-series=\"\(escapeMarkup(series.name))\">\n"
        let vertices = series.line.filter { x.canShow($0.x) && y.canShow($0.y) }
        if vertices.count >= 2 {
            var path = ""
            for (index, point) in vertices.enumerated() {
                path += (index == 0 ? "M" : " L") + "\(px(mapX(point.x))) \(px(mapY(point.y)))"
            }
            let dash = style.dash.map { " stroke-dasharray=\"\(escapeMarkup($0))\"" } ?? ""
            out += "<path class=\"line\" d=\"\(path)\" fill=\"none\" stroke=\"\(escapeMarkup(style.color))\" "
                + "stroke-width=\"\(px(style.lineWidth))\" stroke-linejoin=\"round\" stroke-linecap=\"round\"\(dash) "
                + "clip-path=\"url(#\(clipID))\"/>\n"
        }
        if let shape = style.marker {
            for point in series.markers where x.canShow(point.x) && y.canShow(point.y) {
                out += marker(shape, at: mapX(point.x), mapY(point.y), style: style)
            }
        }
        out += "</g>\n"
        return out
    }

    private func marker(_ shape: MarkerShape, at cx: Double, _ cy: Double, style: SeriesStyle,
                        size: Double = 4.5) -> String {
        let color = escapeMarkup(style.color)
        let paint = style.markerFilled
            ? "fill=\"\(color)\" stroke=\"#ffffff\" stroke-width=\"1\""
            : "fill=\"#ffffff\" stroke=\"\(color)\" stroke-width=\"1.8\""
        switch shape {
        case .circle:
            return "<circle class=\"marker\" cx=\"\(px(cx))\" cy=\"\(px(cy))\" r=\"\(px(size))\" \(paint)/>\n"
        case .square:
            let side = size * 1.7
            return "<rect class=\"marker\" x=\"\(px(cx - side / 2))\" y=\"\(px(cy - side / 2))\" "
                + "width=\"\(px(side))\" height=\"\(px(side))\" \(paint)/>\n"
        case .triangle:
            let r = size * 1.25
            return "<path class=\"marker\" d=\"M\(px(cx)) \(px(cy - r)) L\(px(cx + r * 0.866)) \(px(cy + r * 0.5)) "
                + "L\(px(cx - r * 0.866)) \(px(cy + r * 0.5)) Z\" \(paint)/>\n"
        case .diamond:
            let r = size * 1.3
            return "<path class=\"marker\" d=\"M\(px(cx)) \(px(cy - r)) L\(px(cx + r)) \(px(cy)) "
                + "L\(px(cx)) \(px(cy + r)) L\(px(cx - r)) \(px(cy)) Z\" \(paint)/>\n"
        }
    }

    private func drawLegend() -> String {
        guard !chart.series.isEmpty else { return "" }
        var out = "<g class=\"legend\" font-size=\"\(px(Self.legendFont))\" fill=\"#000000\">\n"
        for (index, series) in chart.series.enumerated() {
            let rowY = top + 10 + Double(index) * Self.legendRow
            let style = series.style
            let dash = style.dash.map { " stroke-dasharray=\"\(escapeMarkup($0))\"" } ?? ""
            out += "<line x1=\"\(px(legendX))\" y1=\"\(px(rowY))\" x2=\"\(px(legendX + 28))\" y2=\"\(px(rowY))\" "
                + "stroke=\"\(escapeMarkup(style.color))\" stroke-width=\"\(px(style.lineWidth))\"\(dash)/>\n"
            if let shape = style.marker {
                out += marker(shape, at: legendX + 14, rowY, style: style)
            }
            out += "<text x=\"\(px(legendX + 36))\" y=\"\(px(rowY + 4.5))\">\(escapeMarkup(legendLabels[index]))</text>\n"
        }
        out += "</g>\n"
        return out
    }
}

/// A lowercase ASCII identifier made from `text` ("Messages / op" → "messages-op").
func slug(_ text: String) -> String {
    var out = ""
    var pendingDash = false
    for scalar in text.lowercased().unicodeScalars {
        if (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") {
            if pendingDash && !out.isEmpty { out += "-" }
            pendingDash = false
            out.unicodeScalars.append(scalar)
        } else {
            pendingDash = true
        }
    }
    return out.isEmpty ? "chart" : out
}
