// A chart as a plain value: title, two axes and series. Rendering is in Chart+SVG.swift.

/// One (x, y) pair in data units.
public struct ChartPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// The marker drawn at each measured point. Shapes differ per series so that series stay
/// apart without relying on colour alone.
public enum MarkerShape: Sendable, Equatable, CaseIterable {
    case circle, square, triangle, diamond
}

/// The Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2008): eight colours that stay
/// distinguishable under the common colour-vision deficiencies. Ordered for use on white, with
/// the pale yellow last.
public enum OkabeIto {
    public static let blue = "#0072B2"
    public static let vermillion = "#D55E00"
    public static let bluishGreen = "#009E73"
    public static let reddishPurple = "#CC79A7"
    public static let orange = "#E69F00"
    public static let skyBlue = "#56B4E9"
    public static let black = "#000000"
    public static let yellow = "#F0E442"

    public static let ordered = [blue, vermillion, bluishGreen, reddishPurple, orange, skyBlue, black, yellow]

    /// The colour for the series at `index` (wrapping after eight).
    public static func color(_ index: Int) -> String {
        ordered[((index % ordered.count) + ordered.count) % ordered.count]
    }
}

/// How one series is drawn.
public struct SeriesStyle: Sendable, Equatable {
    /// Stroke and fill colour, e.g. "#0072B2".
    public var color: String
    /// An SVG stroke-dasharray such as "6 4"; nil draws a solid line.
    public var dash: String?
    /// The marker at each point; nil draws none (dense series, analytic curves).
    public var marker: MarkerShape?
    /// Filled or hollow markers (hollow ones tell a second metric of the same protocol apart).
    public var markerFilled: Bool
    public var lineWidth: Double

    public init(color: String, dash: String? = nil, marker: MarkerShape? = .circle,
                markerFilled: Bool = true, lineWidth: Double = 2) {
        self.color = color
        self.dash = dash
        self.marker = marker
        self.markerFilled = markerFilled
        self.lineWidth = lineWidth
    }

    /// The measured style for the `index`-th series: Okabe–Ito colour and a marker shape.
    public static func measured(_ index: Int) -> SeriesStyle {
        SeriesStyle(color: OkabeIto.color(index),
                    marker: MarkerShape.allCases[index % MarkerShape.allCases.count])
    }
}

/// A named set of points in one style.
public struct Series: Sendable, Equatable {
    /// Measured series are drawn with class "series"; analytic (expected) curves with class
    /// "analytic", so a reader (or a test) can tell them apart in the SVG.
    public enum Kind: Sendable, Equatable {
        case measured, analytic
    }

    public var name: String
    public var kind: Kind
    /// Where markers go: every measurement.
    public var markers: [ChartPoint]
    /// The vertices of the line, in drawing order (for repeated seeds: the mean at each x).
    public var line: [ChartPoint]
    public var style: SeriesStyle

    public init(name: String, kind: Kind = .measured, markers: [ChartPoint], line: [ChartPoint],
                style: SeriesStyle) {
        self.name = name
        self.kind = kind
        self.markers = markers
        self.line = line
        self.style = style
    }

    /// A series whose line joins its points in order of x, with a marker on each.
    public init(name: String, points: [ChartPoint], style: SeriesStyle) {
        self.init(name: name, markers: style.marker == nil ? [] : points,
                  line: points.sorted { $0.x < $1.x }, style: style)
    }

    /// An expected curve: a dashed line without markers.
    public static func analytic(name: String, points: [ChartPoint], color: String = "#555555",
                                dash: String) -> Series {
        Series(name: name, kind: .analytic, markers: [], line: points,
               style: SeriesStyle(color: color, dash: dash, marker: nil, lineWidth: 1.5))
    }
}

/// A chart: what `svg()` draws. Sized for a 720×480 viewBox that scales to any width.
public struct Chart: Sendable, Equatable {
    public var title: String
    /// A smaller second line under the title (the configuration the chart shows).
    public var subtitle: String?
    public var xAxis: Axis
    public var yAxis: Axis
    public var series: [Series]
    public var width: Double
    public var height: Double

    public init(title: String, subtitle: String? = nil, xAxis: Axis, yAxis: Axis,
                series: [Series] = [], width: Double = 720, height: Double = 480) {
        self.title = title
        self.subtitle = subtitle
        self.xAxis = xAxis
        self.yAxis = yAxis
        self.series = series
        self.width = width
        self.height = height
    }
}
