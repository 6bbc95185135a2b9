import LockwardenSystem

/// The one sshd setting Lockwarden depends on: `UsePAM yes`.
enum SshdConfig {
    static let defaultPath = "/etc/ssh/sshd_config"

    /// The UsePAM value sshd would use (the first one it reads, Include files in place),
    /// or nil when the files do not set it (OpenSSH's default is no).
    static func usePAM(_ path: String) -> String? {
        value(of: "usepam", in: path, depth: 0)
    }

    private static func value(of keyword: String, in path: String, depth: Int) -> String? {
        guard depth < 8, case .success(let bytes) = Files.read(path, limit: 1 << 20) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        for raw in text.split(separator: "\n") {
            let words = raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "=" })
            guard let first = words.first, !first.hasPrefix("#") else { continue }
            let key = first.lowercased()
            // Settings after Match apply only to some connections; UsePAM is not allowed there.
            if key == "match" { return nil }
            if key == "include" {
                for pattern in words.dropFirst() {
                    let absolute = pattern.hasPrefix("/") ? String(pattern) : "/etc/ssh/" + pattern
                    for file in Files.glob(absolute) {
                        if let found = value(of: keyword, in: file, depth: depth + 1) { return found }
                    }
                }
                continue
            }
            if key == keyword, words.count > 1 { return words[1].lowercased() }
        }
        return nil
    }
}
