import LockwardenPolicy
import LockwardenStore
import LockwardenSystem
import LockwardenTOTP

/// After `lockwarden mfa reset`, the password alone must not let anyone bind their own
/// authenticator to the account: the next login first mails a one-time code to the user's own
/// address (the articles' "Device Authorization email") and asks for it; only the right code
/// leads to the QR code. With no address, an administrator hands a code over
/// (`mfa reset --show-code`). Hashed, single use, valid `device_code_lifetime`, the most
/// recent only; a wrong code is a failed attempt.
public struct DeviceAuthorization {
    static let digits = 8
    public static let maxTries = 5
    static let prompt = "Device authorization code: "
    static let mailKind = "device-authorization"

    let call: Call
    let subject: CallSubject
    let store: StateStore

    /// nil when the login may go on to enroll; otherwise the verdict that ends it.
    func check(uid: UInt32) throws(StoreError) -> Verdict? {
        let now = call.now
        var pending = try store.oneTimeCode(uid: uid, purpose: .deviceAuthorization)
        if !(pending?.isUsable(at: now, maxTries: Self.maxTries) ?? false) {
            guard let sent = try mailNewCode(uid: uid) else { return .deny }
            pending = sent
        }
        guard let pending else { return .deny }
        guard var typed = call.host.converse(.promptEchoOff, Self.prompt) else {
            return try fail(uid: uid, reason: "no device authorization code given", countTry: false)
        }
        // The slow hash is computed here, outside the transaction.
        let matches = MailedCode.matches(typed, salt: pending.salt, hash: pending.hash)
        SecretBytes.wipe(&typed)
        guard matches else { return try fail(uid: uid, reason: "wrong device authorization code", countTry: true) }
        let policy = LockPolicy(config: call.config)
        let decision = try call.commit(subject: subject, store: store) { state throws(StoreError) -> Decision in
            if let lock = state.activeLock(at: now) { return policy.refusedWhileLocked(lock, now: now, detail: "") }
            // Read again: another login may have used it, or a new one replaced it, meanwhile.
            guard let current = try store.oneTimeCode(uid: uid, purpose: .deviceAuthorization),
                current.createdAt == pending.createdAt, current.isUsable(at: now, maxTries: Self.maxTries)
            else { return failure(state, reason: "device authorization code already used or replaced") }
            try store.markOneTimeCodeUsed(uid: uid, purpose: .deviceAuthorization, now: now)
            return Decision(.allow, events: [PolicyEvent(.deviceAuthorized, "code accepted; enrollment follows")])
        }
        guard decision.verdict == .allow else {
            call.tell(decision)
            return .deny
        }
        return nil
    }

    /// A new code mailed to the user's own address, or nil (after telling the user) when
    /// there is no address or no randomness.
    private func mailNewCode(uid: UInt32) throws(StoreError) -> StoredOneTimeCode? {
        let config = call.config
        guard let user = Accounts.user(uid: uid),
            let address = try MailDirectory.address(of: user, store: store, config: config)
        else {
            _ = call.host.converse(
                .errorMessage,
                "Two-factor authentication was reset for this account. Ask your administrator for a device "
                    + "authorization code.")
            call.host.log(
                .notice, "device authorization for \(subject.displayName): no mail address; ask an administrator")
            return nil
        }
        let now = call.now
        let decision = try call.commit(subject: subject, store: store) { _ throws(StoreError) -> Decision in
            guard
                let code = try MailedCode.issue(.deviceAuthorization, uid: uid, config: config, store: store, now: now)
            else {
                return Decision(.deny)
            }
            let text = config.template(.deviceAuthorization).fill([
                "user": user.name, "full_name": MailDirectory.fullName(of: user), "host": HostName.current(),
                "code": code, "minutes": String(max(1, config.deviceCodeLifetime / 60)),
            ])
            try store.enqueue(
                kind: Self.mailKind, message: MailMessage(to: address, subject: text.subject, body: text.body), now: now
            )
            return Decision(.allow, events: [PolicyEvent(.deviceCodeSent, "to " + Escape.text(address, limit: 254))])
        }
        guard decision.verdict == .allow else {
            call.host.log(.error, "cannot make a device authorization code for \(subject.displayName): no random bytes")
            return nil
        }
        Notifications.startSender(call)
        _ = call.host.converse(
            .textInfo,
            "Two-factor authentication was reset for this account. A device authorization code was mailed to your "
                + "address; it is valid for \(max(1, config.deviceCodeLifetime / 60)) minutes.")
        return try store.oneTimeCode(uid: uid, purpose: .deviceAuthorization)
    }

    private func failure(_ state: AccountState, reason: String) -> Decision {
        LockPolicy(config: call.config).afterFailure(
            state, kind: subject.kind, source: call.source, now: call.now, reason: reason)
    }

    /// A failed attempt, counted like a wrong password; a wrong code also counts a try on it.
    private func fail(uid: UInt32, reason: String, countTry: Bool) throws(StoreError) -> Verdict {
        let decision = try call.commit(subject: subject, store: store) { state throws(StoreError) -> Decision in
            if countTry { try store.countOneTimeCodeTry(uid: uid, purpose: .deviceAuthorization) }
            return failure(state, reason: reason)
        }
        call.tell(decision)
        return .deny
    }
}
