internal import CQRencode

/// Draws a QR code with Unicode half blocks, two module rows per text line.
///
/// Dark modules are drawn as ink (the block characters) and light ones as spaces, inside a
/// four-module quiet zone: black-on-white terminals show the code in its normal polarity,
/// which every scanner reads; on dark themes it appears inverted, which phone apps accept.
public enum QRText {
    public static let quietZone = 4

    /// The QR code for `text`, or nil if libqrencode cannot encode it.
    public static func render(_ text: String) -> String? {
        guard let matrix = modules(text) else { return nil }
        let size = matrix.count
        let padded = size + 2 * quietZone
        func dark(_ row: Int, _ column: Int) -> Bool {
            let r = row - quietZone
            let c = column - quietZone
            guard r >= 0, c >= 0, r < size, c < size, matrix.indices.contains(r), matrix[r].indices.contains(c) else {
                return false
            }
            return matrix[r][c]
        }
        var lines: [String] = []
        var row = 0
        while row < padded {
            var line = ""
            for column in 0..<padded {
                switch (dark(row, column), dark(row + 1, column)) {
                case (true, true): line += "\u{2588}"
                case (true, false): line += "\u{2580}"
                case (false, true): line += "\u{2584}"
                case (false, false): line += " "
                }
            }
            lines.append(line)
            row += 2
        }
        return lines.joined(separator: "\n")
    }

    /// The module matrix, true = dark, row by row.
    public static func modules(_ text: String) -> [[Bool]]? {
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        guard width > 0, width <= 177, let data = code.pointee.data else { return nil }
        let cells = UnsafeBufferPointer(start: data, count: width * width)
        return (0..<width).map { row in (0..<width).map { column in cells[row * width + column] & 1 == 1 } }
    }
}
