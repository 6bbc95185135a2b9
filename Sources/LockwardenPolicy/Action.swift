/// The typed actions of the activity log, displayed exactly as administrators know them.
public enum Action: String, CaseIterable, Sendable {
    case accountLocked = "Account locked"
    case accountUnlocked = "Account unlocked"
    case loginFailed = "Login failed"
    case loginFailedLocked = "Login failed (locked)"
    case accountUnlockFailed = "Account unlock failed"
    case loginSucceeded = "Login succeeded"
    case passwordChangeRequired = "Password change required"
    case passwordChanged = "Password changed"
    case passwordChangeRefused = "Password change refused"
    case mfaEnrolled = "MFA enrolled"
    case mfaReset = "MFA reset"
    case backupCodeUsed = "Backup code used"
    case backupCodesRenewed = "Backup codes renewed"
    case unlockPINSent = "Unlock PIN sent"
    case accessRefused = "Access refused"
    case deviceCodeSent = "Device code sent"
    case deviceAuthorized = "Device authorized"
    case passwordResetRequested = "Password reset requested"
    case passwordResetRefusedLocked = "Password reset refused (locked)"
    case passwordResetCodeUsed = "Password reset code used"

    /// Accepts the display text in any letter case, e.g. for `log --action`.
    public init?(displayName: String) {
        let wanted = displayName.lowercased()
        guard let match = Action.allCases.first(where: { $0.rawValue.lowercased() == wanted }) else { return nil }
        self = match
    }
}
