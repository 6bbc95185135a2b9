import LockwardenEngine
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// Runs one administrative action through the engine for this command: the acting user and
/// their terminal stamp the events, syslog gets one line per event, and whatever goes wrong
/// ends the command with a message.
enum AdminRun {
    static func perform(
        _ action: AdminAction, on target: Target, actor: String, config: LockwardenConfig, store: StateStore,
        failureSuffix: String = ""
    ) throws -> AdminOutcome {
        let administration = Administration(
            config: config, store: store, host: CommandLog.shared, actor: actor, tty: Actor.terminal(),
            now: CurrentProcess.now())
        let result: AdminResult
        do {
            result = try administration.perform(action, on: target.adminTarget)
        } catch {
            switch error {
            case .unknownUser: throw Failure.exit("no such user: \(target.displayName)", status: Failure.notFound)
            case .noAddress:
                throw Failure.exit(
                    "\(target.displayName) has no mail address\(failureSuffix) (lockwarden user set-email "
                        + "\(target.displayName) ADDRESS, or user_email)")
            case .noRandomBytes, .store, .noLocalPassword: throw Failure.exit(error.message + failureSuffix)
            }
        }
        Failure.reportDropped(result.dropped.map(\.rawValue))
        return result.outcome
    }
}

/// The engine's host for a command: syslog only; a command has no PAM conversation.
final class CommandLog: CallHost, Sendable {
    static let shared = CommandLog()

    func log(_ priority: LogPriority, _ message: String) {
        SystemLog.write(priority, message)
    }

    func converse(_ style: ConversationStyle, _ message: String) -> [UInt8]? { nil }

    func authToken() -> [UInt8]? { nil }
}

extension Target {
    var adminTarget: AdminTarget { AdminTarget(key: key, user: systemUser, eventName: eventName) }
}
