import LockwardenPolicy
import LockwardenStore
import LockwardenSystem
import LockwardenTOTP

/// One user's second factor as `mfa status` and `show` present it. Holds no secret.
struct MFAView {
    /// The current name, escaped; nil when the UID no longer resolves.
    var user: String?
    var uid: UInt32
    /// nil: the database holds no second-factor record for this UID.
    var record: MFARecord?
    var backupCodesLeft: Int

    /// Reads the record and counts the backup codes (inside or outside a transaction).
    static func load(_ store: StateStore, uid: UInt32, name: String?) throws(StoreError) -> MFAView {
        let record = try store.mfa(uid: uid)
        let codes = try store.backupCodes(uid: uid).count
        return MFAView(user: name.map { Display.text($0) }, uid: uid, record: record, backupCodesLeft: codes)
    }

    var enrolled: Bool { record?.isEnrolled ?? false }
    var reenrollRequired: Bool { record?.reenrollRequired ?? false }

    /// The start of the time step of the last accepted code (enrollment's confirmation included).
    var lastUsedAt: Int64? {
        guard let record, let step = record.lastStep else { return nil }
        return Int64(clamping: step).saturatingMultiply(record.settings.period)
    }

    /// The code settings of an enrolled secret.
    var settings: TOTPSettings? { enrolled ? record?.settings : nil }

    var userLabel: String { user ?? "(no such user now)" }

    /// "enrolled", "pending re-enrollment" or "not enrolled".
    var state: String {
        if enrolled { return "enrolled" }
        return reenrollRequired ? "pending re-enrollment" : "not enrolled"
    }

    /// "SHA1, 6 digits, 30 s", or "-".
    var settingsText: String {
        guard let settings else { return "-" }
        return "\(settings.algorithm.rawValue), \(settings.digits) digits, \(settings.period) s"
    }

    /// The `show` line: state, then what matters for it.
    var summary: String {
        if enrolled {
            let codes = backupCodesLeft == 1 ? "1 backup code left" : "\(backupCodesLeft) backup codes left"
            return "enrolled (\(settingsText)), \(codes)"
        }
        if reenrollRequired, let record {
            var text = "pending re-enrollment"
            if let at = record.resetAt { text += " (reset \(TimeText.format(at))" + resetByText(record) + ")" }
            return text
        }
        return "not enrolled"
    }

    private func resetByText(_ record: MFARecord) -> String {
        guard let by = record.resetBy, !by.isEmpty else { return "" }
        return " by " + Display.stored(by)
    }

    /// The `mfa status USER` fields.
    var fields: Fields {
        var fields = Fields()
        fields.add("User", userLabel)
        fields.add("UID", String(uid))
        fields.add("Enrolled", enrolled ? "yes" : "no")
        fields.add("Pending re-enrollment", reenrollRequired ? "yes" : "no")
        fields.add("Enrolled at", TimeText.formatOrDash(enrolled ? record?.enrolledAt : nil))
        fields.add("Last code used", TimeText.formatOrDash(lastUsedAt))
        fields.add("Backup codes left", String(backupCodesLeft))
        fields.add("TOTP", settingsText)
        fields.add("Reset at", TimeText.formatOrDash(record?.resetAt))
        fields.add("Reset by", Display.storedOrDash(record?.resetBy))
        return fields
    }

    static let tableHeaders = [
        "USER", "UID", "ENROLLED", "PENDING", "ENROLLED AT", "LAST CODE USED", "BACKUP CODES", "TOTP", "RESET",
    ]

    var tableRow: [String] {
        var reset = "-"
        if let record, let at = record.resetAt { reset = TimeText.format(at) + resetByText(record) }
        return [
            userLabel, String(uid), enrolled ? "yes" : "no", reenrollRequired ? "yes" : "no",
            TimeText.formatOrDash(enrolled ? record?.enrolledAt : nil), TimeText.formatOrDash(lastUsedAt),
            String(backupCodesLeft), settingsText, reset,
        ]
    }

    var json: JSON {
        .object([
            ("user", .optional(user)),
            ("uid", .int(Int64(uid))),
            ("enrolled", .bool(enrolled)),
            ("reenroll_required", .bool(reenrollRequired)),
            ("enrolled_at", .optional(enrolled ? record?.enrolledAt : nil)),
            ("last_used_at", .optional(lastUsedAt)),
            ("backup_codes_left", .int(Int64(backupCodesLeft))),
            ("algorithm", .optional(settings?.algorithm.rawValue)),
            ("digits", .optional(settings.map { Int64($0.digits) })),
            ("period", .optional(settings?.period)),
            ("reset_at", .optional(record?.resetAt)),
            ("reset_by", .optional(record?.resetBy.map(Display.stored))),
        ])
    }

    /// The keys `show --json` adds to an account object.
    var showMembers: [(String, JSON)] {
        [
            ("mfa_enrolled", .bool(enrolled)),
            ("mfa_reenroll_required", .bool(reenrollRequired)),
            ("mfa_backup_codes_left", .int(Int64(backupCodesLeft))),
        ]
    }

    /// A user with no second factor at all (unknown names, or no record).
    static func none(uid: UInt32?, name: String?) -> MFAView {
        MFAView(user: name.map { Display.text($0) }, uid: uid ?? 0, record: nil, backupCodesLeft: 0)
    }
}
