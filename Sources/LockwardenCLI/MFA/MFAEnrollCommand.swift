import ArgumentParser
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
        guard var factor = NewSecondFactor.make(config) else {
            throw Failure.exit("could not get random bytes for a secret and backup codes; nothing was saved")
        }
        let uri = factor.uri(config, user: systemUser.name)
        if json {
            print(Self.json(user: name, uri: uri, factor: factor).rendered)
        } else {
            print(Self.describe(user: name, uri: uri, factor: factor))
        }
        if !noConfirm {
            if !json { print("\nVerification code: ", terminator: "") }
            Console.flushOutput()
            guard let line = readLine(strippingNewline: true) else {
                throw Failure.exit(
                    "no verification code on standard input; nothing was saved (--no-confirm skips the check)")
            }
            switch factor.confirm(Self.typedCode(line), now: CurrentProcess.now()) {
            case .confirmed: break
            case .malformed: throw Failure.exit("a code has \(factor.settings.digits) digits; nothing was saved")
            case .wrong: throw Failure.exit("code did not match; nothing was saved")
            }
        }
        let outcome = try AdminRun.perform(
            .enroll(factor, replace: force), on: target, actor: Actor.current(), config: config, store: store,
            failureSuffix: "; nothing was saved")
        switch outcome {
        case .enrolled(let replaced):
            guard !json else { return }
            let how = noConfirm ? " (not confirmed with a code)" : ""
            print(replaced ? "Replaced the second factor of \(name)\(how)." : "Enrolled \(name)\(how).")
        default:
            throw Failure.exit("\(name) enrolled a second factor meanwhile; nothing was saved (--force replaces it)")
        }
    }

    /// The text for people: URI, QR code, secret, backup codes.
    static func describe(user: String, uri: String, factor: NewSecondFactor) -> String {
        var lines = [
            "Second factor for \(user): TOTP, \(factor.settings.eventText).",
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
        lines.append("Secret: \(Base32.encode(factor.secret))")
        lines.append("")
        lines.append("Backup codes (shown only this once; each one works once, in place of a code):")
        lines += factor.backupCodes.map(\.display)
        return lines.joined(separator: "\n")
    }

    static func json(user: String, uri: String, factor: NewSecondFactor) -> JSON {
        let settings = factor.settings
        return .object([
            ("user", .string(user)),
            ("uri", .string(uri)),
            ("secret", .string(Base32.encode(factor.secret))),
            ("backup_codes", .array(factor.backupCodes.map { .string($0.display) })),
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
}
