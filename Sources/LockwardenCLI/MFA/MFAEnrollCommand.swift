import ArgumentParser
import Glibc
import LockwardenCrypto
import LockwardenEngine
import LockwardenPolicy
import LockwardenQR
import LockwardenStore
import LockwardenSystem
import LockwardenTOTP

/// `lockwarden mfa enroll USER`: a new TOTP secret and backup codes, confirmed with a first code.
struct MFAEnrollCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll",
        abstract: "Give a user a new TOTP secret and ten backup codes.",
        discussion: """
            Prints the otpauth:// URI, a QR code to scan, the secret for manual entry and ten \
            backup codes (shown only this once), then asks for a code from the authenticator \
            app: nothing is saved unless it matches. The code settings come from the \
            configuration (totp_algorithm, totp_digits, totp_period, totp_issuer). With --json \
            the object is printed first and the code is read from standard input without a \
            prompt. A user who already has a secret is refused unless --force.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The login name (a user the system knows).", valueName: "user"))
    var user: String

    @Flag(help: "Save without asking for a first code.")
    var noConfirm = false

    @Flag(help: "Replace an enrolled secret and its backup codes.")
    var force = false

    @Flag(help: "Print one JSON object (no QR code, no prompt).")
    var json = false

    func validate() throws {
        try RootCheck.require()
        try Target.validate(user)
    }

    private enum Outcome { case saved(replaced: Bool), enrolledMeanwhile }

    func run() throws {
        let (config, store) = try global.openState()
        let target = Target.resolve(user)
        let systemUser = try target.requireKnownUser()
        let name = target.displayName
        let existing: MFARecord?
        do {
            existing = try store.mfa(uid: systemUser.uid)
        } catch {
            throw Failure.exit(error.message)
        }
        if let existing, existing.isEnrolled, !force {
            let since = existing.enrolledAt.map { " since \(TimeText.format($0))" } ?? ""
            throw Failure.exit(
                "\(name) already has a second factor\(since); nothing was changed (--force replaces it, "
                    + "mfa reset makes them enroll at their next login)")
        }
        let settings = TOTPSetup.settings(config)
        guard let secret = Enrollment.newSecret() else {
            throw Failure.exit("could not get random bytes for a secret; nothing was saved")
        }
        guard let codes = Enrollment.newBackupCodes() else {
            throw Failure.exit("could not make backup codes; nothing was saved")
        }
        let uri = TOTPSetup.uri(config, user: systemUser.name, secret: secret, settings: settings)
        if json {
            print(Self.json(user: name, uri: uri, secret: secret, codes: codes, settings: settings).rendered)
        } else {
            print(Self.describe(user: name, uri: uri, secret: secret, codes: codes, settings: settings))
        }

        var acceptedStep: UInt64?
        if !noConfirm {
            if !json { writePrompt("\nVerification code: ") }
            _ = fflush(nil)
            guard let line = readLine(strippingNewline: true) else {
                throw Failure.exit(
                    "no verification code on standard input; nothing was saved (--no-confirm skips the check)")
            }
            let code = Self.typedCode(line)
            let now = CurrentProcess.now()
            switch TOTPVerifier.verify(
                code: code, secret: secret, settings: settings, now: now, lastAcceptedStep: nil, using: NettleHMAC())
            {
            case .accepted(let step): acceptedStep = step
            case .malformed:
                throw Failure.exit("a code has \(settings.digits) digits; nothing was saved")
            case .wrong, .replayed:
                throw Failure.exit("code did not match; nothing was saved")
            }
        }

        let now = CurrentProcess.now()
        let actor = Actor.current()
        let tty = Actor.terminal()
        var detail = settings.eventText + (noConfirm ? "; not confirmed with a code" : "; confirmed with a code")
        var eventDropped = false
        let outcome: Outcome
        do {
            outcome = try store.immediateTransaction { store throws(StoreError) -> Outcome in
                let previous = try store.mfa(uid: systemUser.uid)
                let replaced = previous?.isEnrolled ?? false
                if replaced && !force { return .enrolledMeanwhile }
                // A reset's time and actor stay on record as history.
                try store.save(
                    MFARecord(
                        uid: systemUser.uid, secret: secret, settings: settings, lastStep: acceptedStep,
                        enrolledAt: now, reenrollRequired: false, resetAt: previous?.resetAt,
                        resetBy: previous?.resetBy))
                try store.replaceBackupCodes(uid: systemUser.uid, with: codes.map { ($0.salt, $0.hash) }, now: now)
                if replaced { detail += "; replaced the previous secret" }
                eventDropped = !store.append(
                    EventRecord(
                        time: now, user: target.eventName, uid: systemUser.uid, action: Action.mfaEnrolled.rawValue,
                        service: Actor.service, tty: tty, actor: actor, detail: detail))
                return .saved(replaced: replaced)
            }
        } catch {
            throw Failure.exit("\(error.message); nothing was saved")
        }
        if eventDropped {
            Failure.reportDropped([Action.mfaEnrolled.rawValue])
        }
        switch outcome {
        case .enrolledMeanwhile:
            throw Failure.exit("\(name) enrolled a second factor meanwhile; nothing was saved (--force replaces it)")
        case .saved(let replaced):
            guard !json else { return }
            let how = noConfirm ? " (not confirmed with a code)" : ""
            print(replaced ? "Replaced the second factor of \(name)\(how)." : "Enrolled \(name)\(how).")
        }
    }

    /// The text for people: URI, QR code, secret, backup codes.
    static func describe(
        user: String, uri: String, secret: [UInt8], codes: [Enrollment.BackupCode], settings: TOTPSettings
    ) -> String {
        var lines = [
            "Second factor for \(user): TOTP, \(settings.eventText).",
            "Scan the QR code with an authenticator app, or enter the URI or the secret by hand.",
            "",
            "URI: \(uri)",
            "",
        ]
        if let qr = QRText.render(uri) {
            lines.append(qr)
            lines.append("")
        } else {
            Failure.report("warning: could not draw the QR code; use the URI or the secret")
        }
        lines.append("Secret: \(Base32.encode(secret))")
        lines.append("")
        lines.append("Backup codes (shown only this once; each one works once, in place of a code):")
        lines += codes.map(\.display)
        return lines.joined(separator: "\n")
    }

    static func json(
        user: String, uri: String, secret: [UInt8], codes: [Enrollment.BackupCode], settings: TOTPSettings
    ) -> JSON {
        .object([
            ("user", .string(user)),
            ("uri", .string(uri)),
            ("secret", .string(Base32.encode(secret))),
            ("backup_codes", .array(codes.map { .string($0.display) })),
            ("algorithm", .string(settings.algorithm.rawValue)),
            ("digits", .int(Int64(settings.digits))),
            ("period", .int(settings.period)),
        ])
    }

    /// The typed line without blanks (apps show "123 456"); a line over 64 bytes is no code.
    static func typedCode(_ line: String) -> [UInt8] {
        guard line.utf8.count <= 64 else { return [] }
        let blanks: Set<UInt8> = [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r")]
        return line.utf8.filter { !blanks.contains($0) }
    }

    /// The prompt, without a newline.
    private func writePrompt(_ text: String) {
        print(text, terminator: "")
    }
}
