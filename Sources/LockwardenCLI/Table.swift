/// Left-aligned text columns separated by two spaces; the last column is not padded.
struct Table {
    let headers: [String]
    private(set) var rows: [[String]] = []

    init(_ headers: [String]) { self.headers = headers }

    mutating func add(_ row: [String]) { rows.append(row) }

    var rendered: String {
        let all = [headers] + rows
        var widths = [Int](repeating: 0, count: headers.count)
        for row in all {
            for (column, cell) in row.enumerated() where column < widths.count {
                widths[column] = max(widths[column], cell.count)
            }
        }
        var lines: [String] = []
        for row in all {
            var line = ""
            for (column, cell) in row.enumerated() where column < widths.count {
                if column == widths.count - 1 {
                    line += cell
                } else {
                    line += cell + String(repeating: " ", count: widths[column] - cell.count + 2)
                }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}

/// "Label:   value" lines with the values aligned.
struct Fields {
    private(set) var lines: [(String, String)] = []

    mutating func add(_ label: String, _ value: String) { lines.append((label, value)) }

    var rendered: String {
        let width = lines.map { $0.0.count }.max() ?? 0
        return lines.map { label, value in
            label + ":" + String(repeating: " ", count: width - label.count + 2) + value
        }.joined(separator: "\n")
    }
}
