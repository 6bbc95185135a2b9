import ArgumentParser
import LockwardenStore
import LockwardenSystem

/// `lockwarden fleet status`: the agent's view, and what waits to be pushed.
struct FleetStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the fleet agent's connection and the outbox backlog.",
        discussion: """
            Exit status 0 when the agent is connected and reported within the last 30 \
            seconds, 1 otherwise.
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws { try RootCheck.require() }

    func run() throws {
        let (config, store) = try global.openState()
        guard config.inFleet else { throw Failure.exit("fleet_host is not set in the configuration") }
        let now = CurrentProcess.now()
        let report: FleetReport
        do {
            report = FleetReport(
                status: try store.fleetAgentStatus(), backlog: try store.fleetOutboxBacklog(), now: now)
        } catch {
            throw Failure.exit(error.message)
        }
        if json {
            print(report.json(host: config.fleetHost))
        } else {
            for line in report.lines(host: config.fleetHost) { print(line) }
        }
        if !report.isHealthy { throw ExitCode(1) }
    }
}

/// What `fleet status` and `doctor` say about the agent.
struct FleetReport {
    let status: FleetAgentStatus?
    let backlog: (count: Int64, oldest: Int64?)
    let now: Int64

    /// The agent writes its status at least every 10 s while it runs.
    var isRunning: Bool { status.map { now - $0.updatedAt <= 30 } ?? false }
    var isHealthy: Bool { isRunning && status?.connected == true }
    var lagSeconds: Int64 { backlog.oldest.map { max(0, now - $0) } ?? 0 }

    var summary: String {
        guard let status, isRunning else { return "the fleet agent is not running (systemctl start lockwarden-fleet)" }
        let waiting = "\(backlog.count) input(s) waiting" + (backlog.count > 0 ? ", oldest \(lagSeconds) s old" : "")
        if status.connected { return "connected; \(waiting)" }
        return "fleet database unreachable (\(Display.text(status.lastError))); \(waiting)"
    }

    func lines(host: String) -> [String] {
        var lines = ["Fleet host:     \(host)", "Agent:          \(summary)"]
        if let status {
            lines.append("Last contact:   " + (status.lastContactAt.map { TimeText.format($0) } ?? "never"))
            lines.append("Clock offset:   \(status.clockOffset) s (this host minus the database)")
        }
        lines.append("Outbox:         \(backlog.count) waiting" + (backlog.count > 0 ? ", lag \(lagSeconds) s" : ""))
        return lines
    }

    func json(host: String) -> String {
        JSON.object([
            ("host", .string(host)), ("running", .bool(isRunning)), ("connected", .bool(status?.connected ?? false)),
            ("last_contact", .optional(status?.lastContactAt)),
            ("last_error", .string(Display.text(status?.lastError ?? ""))),
            ("clock_offset", .int(status?.clockOffset ?? 0)),
            ("waiting", .int(backlog.count)), ("lag_seconds", .int(lagSeconds)),
        ]).rendered
    }
}
