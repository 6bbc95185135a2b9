/// What happens to a locked account once its lock streak reaches `lockouts_before_action`.
public enum LockoutAction: String, CaseIterable, Sendable {
    case requirePasswordChange = "require-password-change"
    case adminUnlock = "admin-unlock"
    case none = "none"
}

/// What the module answers when the state cannot be read or written.
/// Which commits wait for the disk (`sync`).
public enum SyncPolicy: String, CaseIterable, Sendable {
    /// Everything that records something is synced; a success of a clean account, which only
    /// adds a "Login succeeded" event and a last-success time, is not.
    case recorded = "recorded"
    /// Every commit is synced.
    case always = "always"
}

public enum ErrorPolicy: String, CaseIterable, Sendable {
    /// Refuse the login (the default, and the only safe one).
    case deny = "deny"
    /// Return PAM_IGNORE and let the rest of the stack decide; for emergencies only.
    case ignore = "ignore"
}

/// Whether the `totp` stack line asks for a second factor.
public enum TOTPRequirement: String, CaseIterable, Sendable {
    /// The `totp` line does nothing (PAM_IGNORE).
    case off = "off"
    /// Users with a secret must give a code; others pass through (PAM_IGNORE, never success).
    case optional = "optional"
    /// Every user must give a code; users without a secret enroll during the login.
    case required = "required"
}

/// What a login must show before it may enroll a new second factor after `mfa reset`.
public enum ReenrollVerification: String, CaseIterable, Sendable {
    /// A device authorization code mailed to the user (or handed over by an administrator).
    case mail = "mail"
    /// Nothing: the password alone leads to the QR code.
    case none = "none"
}

/// The HMAC behind TOTP codes.
public enum TOTPHash: String, CaseIterable, Sendable {
    case sha1 = "sha1"
    case sha256 = "sha256"
    case sha512 = "sha512"
}

/// Every setting of lockwarden.conf and the module arguments, with the documented defaults.
public struct LockwardenConfig: Equatable, Sendable {
    public static let defaultPath = "/etc/security/lockwarden.conf"
    public static let defaultDatabasePath = "/var/lib/lockwarden/lockwarden.db"

    public var deny: Int = 5
    public var failInterval: Int64 = 900
    public var unlockTime: Int64 = 300
    /// `nil` means "same as unlock_time".
    public var rootUnlockTime: Int64?
    public var evenDenyRoot: Bool = false
    public var exemptGroup: String?
    public var lockoutsBeforeAction: Int = 2
    public var lockoutAction: LockoutAction = .requirePasswordChange
    public var unlockTimeMultiplier: Int64 = 1
    public var maxUnlockTime: Int64 = 86_400
    public var maxConsecutiveFailures: Int = 100
    public var silent: Bool = true
    public var showLockMessage: Bool = false
    public var onError: ErrorPolicy = .deny
    public var sync: SyncPolicy = .recorded
    /// Whether a success of an account with nothing recorded is stored ("Login succeeded" and
    /// the last-success time). Off: such a login loads no SQLite and writes nothing; the
    /// system's own login records (wtmp, the journal) have it.
    public var logSuccesses: Bool = false
    public var databasePath: String = LockwardenConfig.defaultDatabasePath
    public var maxEvents: Int = 100_000
    public var maxUnknownUsers: Int = 10_000
    public var busyTimeoutMilliseconds: Int = 2_000
    /// How long an attempt's result (a failure above all) waits to be recorded. Much longer
    /// than busy_timeout: a failure dropped because the database was busy would be a guess
    /// that never counts towards the lockout.
    public var recordTimeoutMilliseconds: Int = 30_000
    public var debug: Bool = false
    public var totp: TOTPRequirement = .off
    public var totpHash: TOTPHash = .sha1
    public var totpDigits: Int = 6
    public var totpPeriod: Int64 = 30
    public var totpWindow: Int = 1
    /// Shown by authenticator apps next to the code; empty means "Lockwarden on HOSTNAME".
    public var totpIssuer: String = ""
    public var reenrollVerification: ReenrollVerification = .mail
    /// How long a device authorization code is valid, in seconds.
    public var deviceCodeLifetime: Int64 = 900
    /// How long a password-reset code is valid, in seconds.
    public var resetCodeLifetime: Int64 = 3_600

    // Administrators' workflow: notifications, PIN-confirmed unlock, clinics.
    public var notifyOnLock: Bool = true
    public var mailCommand: String = "/usr/sbin/sendmail -t -i"
    /// Empty means "lockwarden@HOSTNAME".
    public var mailFrom: String = ""
    /// Address pattern for users without their own address, e.g. "{user}@clinic.example".
    public var userEmail: String = ""
    /// Where root's unlock PINs go.
    public var adminEmail: String = ""
    public var unlockPIN: Bool = false
    /// Limits on PIN guessing, each counted per administrator and per account over the last hour.
    public var pinRequestsPerHour: Int = 5
    public var pinFailuresPerHour: Int = 10
    /// The CLI that the module starts, detached, to deliver queued mail right away.
    public var notifyProgram: String = "/usr/sbin/lockwarden"
    public var mailTemplates: [MailTemplateName: MailTemplate] = [:]
    public var clinics: [Clinic] = []
    /// Members of this group running the CLI through sudo are full administrators; other
    /// sudo users act as clinic owners.
    public var adminGroup: String = "sudo"

    // A fleet of hosts sharing one lock state (lockwarden fleet run); empty = this host alone.
    /// This host's name in the fleet, which is also its PostgreSQL role.
    public var fleetHost: String = ""
    /// A root-only file holding the libpq connection string of the fleet database.
    public var fleetConnection: String = "/etc/security/lockwarden-fleet.conn"
    /// A root-only file with the fleet key, the same on every host: TOTP secrets reach the fleet
    /// database only sealed with it. Without the file, second factors stay on each host.
    public var fleetKey: String = "/etc/security/lockwarden-fleet.key"
    /// How many inputs the fleet outbox keeps before it folds further failures of an account
    /// into the account's newest waiting one (failures are never dropped).
    public var fleetOutboxLimit: Int = 100_000

    /// Whether this host is part of a fleet: its account changes go to the fleet outbox.
    public var inFleet: Bool { !fleetHost.isEmpty }

    public func template(_ name: MailTemplateName) -> MailTemplate {
        mailTemplates[name] ?? name.defaultTemplate
    }

    public init() {}

    /// The automatic reactivation delay for a subject before escalation; 0 = administrator only.
    public func baseUnlockTime(for kind: SubjectKind) -> Int64 {
        kind == .root ? (rootUnlockTime ?? unlockTime) : unlockTime
    }
}
