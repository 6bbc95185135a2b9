import LockwardenCrypto
import LockwardenPolicy
import LockwardenStore
import LockwardenTOTP

/// A second factor being set up: made, confirmed with a first code and saved the same way by
/// the login's enrollment (TOTPFlow) and by `lockwarden mfa enroll` (Administration).
public struct NewSecondFactor {
    public let secret: [UInt8]
    /// Shown once; only their salted hashes are stored.
    public let backupCodes: [Enrollment.BackupCode]
    public let settings: TOTPSettings
    /// The time step of the first code once confirmed; no code of it or before works again.
    public private(set) var confirmedStep: UInt64?

    /// A fresh secret and backup codes in the configuration's settings; nil when the kernel
    /// supplies no random bytes (or hashing fails).
    public static func make(_ config: LockwardenConfig) -> NewSecondFactor? {
        guard let secret = Enrollment.newSecret(), let codes = Enrollment.newBackupCodes() else { return nil }
        return NewSecondFactor(secret: secret, backupCodes: codes, settings: TOTPSetup.settings(config))
    }

    init(secret: [UInt8], backupCodes: [Enrollment.BackupCode], settings: TOTPSettings) {
        self.secret = secret
        self.backupCodes = backupCodes
        self.settings = settings
    }

    public func uri(_ config: LockwardenConfig, user: String) -> String {
        TOTPSetup.uri(config, user: user, secret: secret, settings: settings)
    }

    public enum Confirmation: Equatable, Sendable {
        case confirmed
        case malformed
        case wrong
    }

    /// Checks the first code from the user's app against the new secret.
    public mutating func confirm(_ typed: [UInt8], now: Int64) -> Confirmation {
        switch TOTPVerifier.verify(
            code: typed, secret: secret, settings: settings, now: now, lastAcceptedStep: nil, using: NettleHMAC())
        {
        case .accepted(let step):
            confirmedStep = step
            return .confirmed
        case .malformed: return .malformed
        case .wrong, .replayed: return .wrong
        }
    }

    /// Inside a transaction: stores the secret and the backup codes, replacing what was there.
    /// A reset's time and actor stay on record as history. Returns whether an enrolled secret
    /// was replaced.
    func save(uid: UInt32, store: StateStore, now: Int64) throws(StoreError) -> Bool {
        let previous = try store.mfa(uid: uid)
        try store.save(
            MFARecord(
                uid: uid, secret: secret, settings: settings, lastStep: confirmedStep, enrolledAt: now,
                reenrollRequired: false, resetAt: previous?.resetAt, resetBy: previous?.resetBy))
        try store.replaceBackupCodes(uid: uid, with: backupCodes.map { ($0.salt, $0.hash) }, now: now)
        return previous?.isEnrolled ?? false
    }
}

extension TOTPSettings {
    /// "SHA1, 6 digits, 30 s period", for events and messages.
    public var eventText: String { "\(algorithm.rawValue), \(digits) digits, \(period) s period" }
}
