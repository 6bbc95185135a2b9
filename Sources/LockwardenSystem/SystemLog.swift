import CLibc

/// Syslog (authpriv) for processes that are not a PAM login, as "lockwarden[PID]". A login's
/// lines go through pam_syslog in the module instead.
public enum SystemLog {
    nonisolated(unsafe) private static var opened = false

    public static func write(_ priority: LogPriority, _ line: String) {
        if !opened {
            lw_syslog_open()
            opened = true
        }
        line.withCString { lw_syslog(priority.syslogLevel, $0) }
    }
}

/// Syslog priorities, for the engine's lines and the CLI's alike.
public enum LogPriority: Sendable {
    case error
    case warning
    case notice
    case info
    case debug

    /// The level syslog(3) takes.
    public var syslogLevel: Int32 {
        switch self {
        case .error: return LOG_ERR
        case .warning: return LOG_WARNING
        case .notice: return LOG_NOTICE
        case .info: return LOG_INFO
        case .debug: return LOG_DEBUG
        }
    }
}
