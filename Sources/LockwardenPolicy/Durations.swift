/// Human wording of a number of seconds, e.g. "5 minutes", "1 hour 30 minutes".
public func describeDuration(_ seconds: Int64) -> String {
    if seconds <= 0 { return "0 seconds" }
    let units: [(Int64, String)] = [(86_400, "day"), (3_600, "hour"), (60, "minute"), (1, "second")]
    var remaining = seconds
    var parts: [String] = []
    for (size, name) in units where remaining >= size && parts.count < 2 {
        let count = remaining / size
        remaining %= size
        parts.append("\(count) \(name)\(count == 1 ? "" : "s")")
    }
    return parts.joined(separator: " ")
}
