/// The findings of `lockwarden doctor`, in the order they were made.
struct DoctorReport {
    enum Status: String {
        case ok
        case warning
        case problem
    }

    struct Check {
        /// Which area: root, config, database, core, module, cli, pam, sshd.
        var area: String
        var status: Status
        /// Escaped when it is printed.
        var message: String
    }

    private(set) var checks: [Check] = []

    mutating func ok(_ area: String, _ message: String) { add(Check(area: area, status: .ok, message: message)) }
    mutating func warning(_ area: String, _ message: String) {
        add(Check(area: area, status: .warning, message: message))
    }
    mutating func problem(_ area: String, _ message: String) {
        add(Check(area: area, status: .problem, message: message))
    }

    /// The same finding twice (e.g. one included file seen from two services) is kept once.
    private mutating func add(_ check: Check) {
        guard !checks.contains(where: { $0.status == check.status && $0.message == check.message }) else { return }
        checks.append(check)
    }

    var problemCount: Int { checks.filter { $0.status == .problem }.count }
    var warningCount: Int { checks.filter { $0.status == .warning }.count }

    var text: String {
        checks.map { "\($0.status.rawValue): \(Display.stored($0.message))" }.joined(separator: "\n")
    }

    var json: JSON {
        .object([
            ("ok", .bool(problemCount == 0)),
            ("problems", .int(Int64(problemCount))),
            ("warnings", .int(Int64(warningCount))),
            (
                "checks",
                .array(
                    checks.map { check in
                        .object([
                            ("check", .string(check.area)),
                            ("status", .string(check.status.rawValue)),
                            ("message", .string(Display.stored(check.message))),
                        ])
                    })
            ),
        ])
    }
}
