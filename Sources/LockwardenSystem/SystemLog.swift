import CLibc

/// Syslog (authpriv) for processes that are not a PAM login, as "lockwarden[PID]". A login's
/// lines go through pam_syslog in the module instead.
public enum SystemLog {
    nonisolated(unsafe) private static var opened = false

    /// `priority` is a syslog level (LOG_ERR .. LOG_DEBUG).
    public static func write(priority: Int32, _ line: String) {
        if !opened {
            lw_syslog_open()
            opened = true
        }
        line.withCString { lw_syslog(priority, $0) }
    }
}
