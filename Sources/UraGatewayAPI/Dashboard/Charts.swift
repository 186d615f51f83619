import Foundation

/// Charts as server-rendered SVG inside the page: no script, no external asset (the content
/// security policy allows neither). Each bar and point has a `<title>`, which browsers show on hover.
enum Charts {
    struct Series {
        let label: (String, String)
        let color: String
        let values: [Double?]
    }

    static let width = 960.0, height = 220.0, left = 56.0, bottom = 28.0, top = 10.0

    /// Bars side by side for each of `labels` (days), one colour per series.
    static func bars(_ labels: [String], _ series: [Series], unit: String = "") -> String {
        let maxValue = max(1, series.flatMap { $0.values.compactMap { $0 } }.max() ?? 1)
        let plotWidth = width - left - 10, plotHeight = height - top - bottom
        let slot = plotWidth / Double(max(1, labels.count)), barWidth = max(1, (slot - 2) / Double(max(1, series.count)))
        var svg = frame(maxValue: maxValue, unit: unit, labels: labels, slot: slot)
        for (i, label) in labels.enumerated() {
            for (j, s) in series.enumerated() {
                guard let value = s.values[i], value > 0 else { continue }
                let h = plotHeight * value / maxValue
                let x = left + Double(i) * slot + 1 + Double(j) * barWidth
                svg += "<rect x=\"\(f(x))\" y=\"\(f(top + plotHeight - h))\" width=\"\(f(barWidth))\" height=\"\(f(h))\" fill=\"\(s.color)\">"
                svg += "<title>\(HTML.escape(label)): \(HTML.escape(s.label.1)) \(HTML.escape(number(value)))\(HTML.escape(unit))</title></rect>"
            }
        }
        return wrap(svg, series)
    }

    /// Lines through each day's value (a gap where a day has none).
    static func lines(_ labels: [String], _ series: [Series], unit: String) -> String {
        let maxValue = max(0.001, series.flatMap { $0.values.compactMap { $0 } }.max() ?? 1)
        let plotHeight = height - top - bottom, slot = (width - left - 10) / Double(max(1, labels.count))
        var svg = frame(maxValue: maxValue, unit: unit, labels: labels, slot: slot)
        for s in series {
            var points: [String] = []
            for (i, value) in s.values.enumerated() {
                guard let value else {
                    if points.count > 1 { svg += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>" }
                    points = []
                    continue
                }
                let x = left + (Double(i) + 0.5) * slot, y = top + plotHeight - plotHeight * value / maxValue
                points.append("\(f(x)),\(f(y))")
                svg += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"3\" fill=\"\(s.color)\"><title>\(HTML.escape(labels[i])): \(HTML.escape(s.label.1)) \(HTML.escape(number(value)))\(HTML.escape(unit))</title></circle>"
            }
            if points.count > 1 { svg += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>" }
        }
        return wrap(svg, series)
    }

    /// Horizontal bars, one row per name (already HTML-escaped text), stacked by series.
    static func rows(_ names: [String], _ series: [Series]) -> String {
        let rowHeight = 22.0, nameWidth = 330.0
        let totals = names.indices.map { i in series.reduce(0) { $0 + ($1.values[i] ?? 0) } }
        let maxValue = max(1, totals.max() ?? 1)
        let h = Double(names.count) * rowHeight + 8
        var svg = "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 \(f(width)) \(f(h))\" width=\"\(f(width))\" height=\"\(f(h))\" xmlns=\"http://www.w3.org/2000/svg\">"
        for (i, name) in names.enumerated() {
            let y = 4 + Double(i) * rowHeight
            svg += "<text x=\"\(f(nameWidth - 6))\" y=\"\(f(y + 15))\" text-anchor=\"end\" font-size=\"12\">\(name)</text>"
            var x = nameWidth
            for s in series {
                guard let value = s.values[i], value > 0 else { continue }
                let w = (width - nameWidth - 60) * value / maxValue
                svg += "<rect x=\"\(f(x))\" y=\"\(f(y + 3))\" width=\"\(f(w))\" height=\"\(f(rowHeight - 6))\" fill=\"\(s.color)\"><title>\(HTML.escape(s.label.1)): \(HTML.escape(number(value)))</title></rect>"
                x += w
            }
            svg += "<text x=\"\(f(x + 4))\" y=\"\(f(y + 15))\" font-size=\"12\">\(HTML.escape(series.map { number($0.values[i] ?? 0) }.joined(separator: " + ")))</text>"
        }
        return svg + "</svg>" + legend(series)
    }

    private static func frame(maxValue: Double, unit: String, labels: [String], slot: Double) -> String {
        let plotHeight = height - top - bottom
        var svg = "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" height=\"\(f(height))\" xmlns=\"http://www.w3.org/2000/svg\">"
        for fraction in [0.0, 0.5, 1.0] {
            let y = top + plotHeight * (1 - fraction)
            svg += "<line x1=\"\(f(left))\" x2=\"\(f(width - 10))\" y1=\"\(f(y))\" y2=\"\(f(y))\" stroke=\"#d0d7de\"/>"
            svg += "<text x=\"\(f(left - 4))\" y=\"\(f(y + 4))\" text-anchor=\"end\" font-size=\"11\">\(HTML.escape(number(maxValue * fraction)))\(HTML.escape(unit))</text>"
        }
        for (i, label) in labels.enumerated() where i % 5 == 0 || i == labels.count - 1 {
            svg += "<text x=\"\(f(left + (Double(i) + 0.5) * slot))\" y=\"\(f(height - 8))\" text-anchor=\"middle\" font-size=\"11\">\(HTML.escape(String(label.suffix(5))))</text>"
        }
        return svg
    }

    private static func wrap(_ svg: String, _ series: [Series]) -> String { svg + "</svg>" + legend(series) }

    private static func legend(_ series: [Series]) -> String {
        "<p class=\"legend\">" + series.map {
            "<span><svg width=\"12\" height=\"12\" xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"12\" height=\"12\" fill=\"\($0.color)\"/></svg> \(HTML.label($0.label.0, $0.label.1))</span>"
        }.joined(separator: " ") + "</p>"
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : String(format: value < 10 ? "%.2f" : "%.1f", value)
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
