// index.html: the plots and the tables of a result folder on one page, every value escaped.

struct IndexPage {
    var title: String
    var charts: [(file: String, chart: Chart)]
    var fitSummary: String
    var fitTable: CSVTable
    var runs: CSVTable
    var messages: CSVTable?
    var priceOfBFT: CSVTable?

    /// Tables longer than this go inside a closed <details>, so the plots stay on the first screen.
    static let foldedRowCount = 40

    func html() -> String {
        var page = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escapeMarkup(title))</title>
        <style>
        body { font-family: Helvetica, Arial, 'DejaVu Sans', sans-serif; margin: 24px auto; max-width: 1500px; padding: 0 16px; color: #111; }
        h1 { font-size: 24px; } h2 { font-size: 19px; margin-top: 32px; }
        .plots { display: flex; flex-wrap: wrap; gap: 16px; }
        figure { margin: 0; border: 1px solid #ddd; flex: 0 1 720px; }
        figure img { width: 100%; height: auto; display: block; }
        table { border-collapse: collapse; font-size: 13px; }
        th, td { border: 1px solid #ccc; padding: 3px 7px; }
        th { background: #f2f2f2; position: sticky; top: 0; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        .scroll { overflow-x: auto; }
        pre { background: #f6f6f6; padding: 10px; font-size: 14px; }
        </style>
        </head>
        <body>
        <h1>\(escapeMarkup(title))</h1>
        <p>\(runs.rows.count) run\(runs.rows.count == 1 ? "" : "s"). Every figure and table below is made from the CSV files in this folder.</p>
        <h2>Plots</h2>
        <div class="plots">

        """
        for (file, chart) in charts {
            page += "<figure><a href=\"\(escapeMarkup(file))\"><img src=\"\(escapeMarkup(file))\" "
                + "alt=\"\(escapeMarkup(chart.title))\" width=\"720\" height=\"480\"></a></figure>\n"
        }
        page += "</div>\n<h2>Complexity fit: cost per operation ≈ c·n<sup>k</sup></h2>\n"
        page += "<pre>\(escapeMarkup(fitSummary))</pre>\n"
        page += table(fitTable, caption: "fit.csv")
        if let priceOfBFT {
            page += "<h2>The price of BFT: one Byzantine replica per protocol</h2>\n"
            page += "<p>Each protocol at the smallest cluster that tolerates one fault, replica 0 Byzantine: <code>lie</code> "
                + "falsifies its replies, <code>equivocate</code> tells replicas different things (a leader's other commands, "
                + "granted votes, acknowledgements of what was not stored). Raft and Multi-Paxos tolerate crash faults only; "
                + "PBFT pays its quadratic messages to hold, up to f Byzantine replicas (the f+1 row shows where that ends).</p>\n"
            page += table(priceOfBFT, caption: "price_of_bft.csv")
        }
        page += "<h2>Runs</h2>\n"
        page += table(runs, caption: "runs.csv")
        if let messages {
            page += "<h2>Messages by type</h2>\n"
            page += table(messages, caption: "messages.csv")
        }
        page += "</body>\n</html>\n"
        return page
    }

    private func table(_ table: CSVTable, caption: String) -> String {
        var out = "<div class=\"scroll\"><table>\n<thead><tr>"
        for name in table.header { out += "<th>\(escapeMarkup(name))</th>" }
        out += "</tr></thead>\n<tbody>\n"
        for row in table.rows {
            out += "<tr>"
            for field in row {
                let numeric = Double(field) != nil
                out += numeric ? "<td class=\"num\">" : "<td>"
                out += escapeMarkup(field) + "</td>"
            }
            out += "</tr>\n"
        }
        out += "</tbody>\n</table></div>\n"
        if table.rows.count > Self.foldedRowCount {
            return "<details><summary>\(escapeMarkup(caption)): \(table.rows.count) rows</summary>\n\(out)</details>\n"
        }
        return out
    }
}
