import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

extension DoctorCommand {
    /// The fleet: its connection file, and what the agent last reported (its lag above all).
    func checkFleet(_ config: LockwardenConfig, into report: inout DoctorReport) {
        guard config.inFleet else {
            report.ok("fleet", "not part of a fleet (fleet_host is empty)")
            return
        }
        if let problem = FileSafety.check(config.fleetConnection, as: .file) {
            report.problem("fleet", "connection file: \(problem.message)")
        } else {
            report.ok("fleet", "connection file \(config.fleetConnection) is root's, mode 0600 or stricter")
        }
        switch FleetConnection.loadKey(config) {
        case .success(nil): report.ok("fleet", "no fleet key at \(config.fleetKey): second factors stay on this host")
        case .success: report.ok("fleet", "fleet key \(config.fleetKey): second factors are shared, sealed with it")
        case .failure(let problem): report.problem("fleet", problem.message)
        }
        do {
            let store = try StateStore.open(for: config)
            let fleet = FleetReport(
                status: try store.fleetAgentStatus(), backlog: try store.fleetOutboxBacklog(), now: CurrentProcess.now()
            )
            if fleet.isHealthy {
                report.ok("fleet", "host \(config.fleetHost): \(fleet.summary)")
            } else {
                report.warning(
                    "fleet", "host \(config.fleetHost): \(fleet.summary); logins here lock on this host's count only")
            }
        } catch {
            report.problem("fleet", error.message)
        }
    }
}
