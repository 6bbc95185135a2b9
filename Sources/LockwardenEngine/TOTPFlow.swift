import LockwardenCrypto
import LockwardenPolicy
import LockwardenQR
import LockwardenStore
import LockwardenSystem
import LockwardenTOTP

/// The `totp` stack line: after the password, ask for a code (or a backup code), or enroll
/// a new secret when none is set up. No transaction is held while the user types: the
/// conversation comes first, then one short `BEGIN IMMEDIATE` transaction decides, so the
/// replay high-water mark and the failure counter change atomically.
struct TOTPFlow {
    let call: Call
    let subject: CallSubject
    let store: StateStore

    private var policy: LockPolicy { LockPolicy(config: call.config) }
    private static let hmac = NettleHMAC()

    /// Whether a login of this subject gets a code prompt, so refusals can mirror it.
    static func wouldAskForCode(_ config: LockwardenConfig, subject: CallSubject, store: StateStore)
        throws(StoreError) -> Bool
    {
        switch config.totp {
        case .off: return false
        case .required: return true
        case .optional:
            guard let uid = subject.uid, let record = try store.mfa(uid: uid) else { return false }
            return record.isEnrolled || record.reenrollRequired
        }
    }

    func run() throws(StoreError) -> Verdict {
        let config = call.config
        guard config.totp != .off else { return .ignore }
        guard Hashing.isAvailable else {
            call.host.log(.error, "internal error: libnettle could not be loaded; no code can be checked")
            return .deny
        }
        // Lockout rules apply before any prompt.
        if try store.account(subject.key).state.activeLock(at: call.now) != nil {
            Prompts.discardCode(call)
            return try fail(reason: nil)
        }
        guard let uid = subject.uid else {
            guard config.totp == .required else { return .ignore }
            Prompts.discardCode(call)
            return try fail(reason: "no second factor for this name")
        }
        let record = try store.mfa(uid: uid)
        if let record, let secret = record.secret, !record.reenrollRequired {
            return try verify(uid: uid, secret: secret, settings: record.settings)
        }
        if config.totp == .required || record?.reenrollRequired == true {
            // After a reset, a mailed code first proves the login is the user's own.
            if record?.reenrollRequired == true, config.reenrollVerification == .mail,
                let refused = try DeviceAuthorization(call: call, subject: subject, store: store).check(uid: uid)
            {
                return refused
            }
            return try enroll(uid: uid)
        }
        return .ignore
    }

    // MARK: - Checking a code

    private func verify(uid: UInt32, secret: [UInt8], settings stored: TOTPSettings) throws(StoreError) -> Verdict {
        var settings = stored
        settings.window = call.config.totpWindow
        let backupCodes = try store.backupCodes(uid: uid)
        guard var typed = call.host.converse(.promptEchoOff, Prompts.code) else {
            return try fail(reason: "no code given")
        }
        defer { SecretBytes.wipe(&typed) }
        let isTOTPShaped = typed.count == settings.digits && typed.allSatisfy { $0 >= 48 && $0 <= 57 }
        if !isTOTPShaped {
            // Slow hashes are checked here, outside the transaction.
            let candidates = backupCodes.map { (id: $0.id, salt: $0.salt, hash: $0.hash) }
            guard let id = Enrollment.matchingBackupCode(typed, among: candidates) else {
                let reason = BackupCodeFormat.isWellFormed(typed) ? "wrong backup code" : "malformed code"
                return try fail(reason: reason)
            }
            return try useBackupCode(id: id, left: backupCodes.count - 1)
        }
        let decision = try call.commit(subject: subject, store: store) { state throws(StoreError) -> Decision in
            if let lock = state.activeLock(at: call.now) {
                return policy.refusedWhileLocked(lock, now: call.now, detail: "")
            }
            // Read again inside the transaction: another login may have used a newer step meanwhile.
            guard var current = try store.mfa(uid: uid), current.secret == secret else {
                return failure(state, reason: "second factor changed during login")
            }
            switch TOTPVerifier.verify(
                code: typed, secret: secret, settings: settings, now: call.now, lastAcceptedStep: current.lastStep,
                using: Self.hmac)
            {
            case .accepted(let step):
                current.lastStep = step
                try store.save(current)
                return Decision(.allow)
            case .replayed: return failure(state, reason: "replayed code")
            case .wrong: return failure(state, reason: "wrong code")
            case .malformed: return failure(state, reason: "malformed code")
            }
        }
        call.tell(decision)
        return decision.verdict
    }

    private func useBackupCode(id: Int64, left: Int) throws(StoreError) -> Verdict {
        let decision = try call.commit(subject: subject, store: store) { state throws(StoreError) -> Decision in
            if let lock = state.activeLock(at: call.now) {
                return policy.refusedWhileLocked(lock, now: call.now, detail: "")
            }
            guard try store.consumeBackupCode(id: id) else { return failure(state, reason: "backup code already used") }
            return Decision(.allow, events: [PolicyEvent(.backupCodeUsed, "\(max(0, left)) left")])
        }
        call.tell(decision)
        return decision.verdict
    }

    // MARK: - Enrollment during login

    private func enroll(uid: UInt32) throws(StoreError) -> Verdict {
        guard var factor = NewSecondFactor.make(call.config) else {
            call.host.log(.error, "cannot enroll \(subject.displayName): the kernel supplied no random bytes")
            return .deny
        }
        let uri = factor.uri(call.config, user: subject.displayName)
        let info: (String) -> Void = { _ = call.host.converse(.textInfo, $0) }
        info(
            "Two-factor authentication must be set up for this account. Scan this QR code with an "
                + "authenticator app (or enter the key by hand), then type the code it shows.")
        if let picture = QRText.render(uri) { info(picture) }
        info("Key: \(Base32.encode(factor.secret))\nURI: \(uri)")
        guard var typed = call.host.converse(.promptEchoOff, Prompts.code) else {
            return try fail(reason: "enrollment abandoned")
        }
        let confirmation = factor.confirm(typed, now: call.now)
        SecretBytes.wipe(&typed)
        guard confirmation == .confirmed else { return try fail(reason: "wrong enrollment code") }
        let decision = try call.commit(subject: subject, store: store) { state throws(StoreError) -> Decision in
            if let lock = state.activeLock(at: call.now) {
                return policy.refusedWhileLocked(lock, now: call.now, detail: "")
            }
            _ = try factor.save(uid: uid, store: store, now: call.now)
            return Decision(.allow, events: [PolicyEvent(.mfaEnrolled, "enrolled during login")])
        }
        if decision.verdict == .allow {
            info(
                "Two-factor authentication is set up. Backup codes, each usable once; keep them safe:\n"
                    + factor.backupCodes.map { $0.display }.joined(separator: "\n"))
            // sshd delivers messages only together with a prompt: without this one the codes
            // would never reach an SSH user. The answer does not matter; the secret is stored.
            Prompts.discard(call, .promptEchoOn, Prompts.acknowledge)
        }
        call.tell(decision)
        return decision.verdict
    }

    // MARK: - Failures

    private func failure(_ state: AccountState, reason: String?) -> Decision {
        policy.afterFailure(state, kind: subject.kind, source: call.source, now: call.now, reason: reason)
    }

    /// Counts a failed attempt, in the same counter as wrong passwords.
    private func fail(reason: String?) throws(StoreError) -> Verdict {
        let decision = try call.commit(subject: subject, store: store) { state in failure(state, reason: reason) }
        call.tell(decision)
        return .deny
    }
}
