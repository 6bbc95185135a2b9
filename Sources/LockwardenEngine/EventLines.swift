import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// The syslog side of the activity log: one line per event, in the same words, for logins
/// and administrators alike.
enum EventLines {
    static func report(_ events: [PolicyEvent], context: EventContext, host: CallHost) {
        for event in events { host.log(priority(of: event.action), line(event, context: context)) }
    }

    static func line(_ event: PolicyEvent, context: EventContext) -> String {
        var line = "\(event.action.rawValue): user=\(context.user)"
        if let uid = context.uid { line += " uid=\(uid)" }
        line += " service=\(context.service) rhost=\(context.rhost) tty=\(context.tty)"
        if !context.actor.isEmpty { line += " actor=\(context.actor)" }
        if !event.detail.isEmpty { line += " (\(event.detail))" }
        return line
    }

    static func priority(of action: Action) -> LogPriority {
        switch action {
        case .accountLocked, .passwordChangeRefused, .accessRefused, .passwordResetRefusedLocked: return .warning
        case .loginFailed, .loginFailedLocked, .accountUnlockFailed, .passwordChangeRequired, .mfaReset,
            .backupCodeUsed:
            return .notice
        case .accountUnlocked, .loginSucceeded, .passwordChanged, .mfaEnrolled, .backupCodesRenewed, .unlockPINSent,
            .deviceCodeSent, .deviceAuthorized, .passwordResetRequested, .passwordResetCodeUsed:
            return .info
        }
    }
}
