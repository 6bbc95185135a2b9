import ArgumentParser
import LockwardenEngine
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// Who runs the command, and on whom they may act.
///
/// - Root itself (real uid 0, neither SUDO_UID nor SUDO_USER set), and a sudo user who is uid 0
///   or a member of `admin_group`: an administrator, who may run every command on every user.
/// - Any other sudo user who owns a clinic: `list`, `show`, `unlock`, `log` and `password reset`, and only on
///   members of the clinics they own.
/// - Anybody else, and a sudo user the system does not know: nothing.
///
/// `Lockwarden.main` admits or refuses every command through `admit(_:)` before it runs;
/// `list` and `log` then show an owner only their members.
struct Authority {
    enum Role: Equatable {
        case administrator
        case owner
        case nobody
    }

    let identity: Identity
    let role: Role
    private let directory: ClinicDirectory

    /// "NAME (uid N)" or "NAME (uid N, via sudo)", escaped: the actor of events, "Unlocked by",
    /// and the administrator an unlock PIN is bound to.
    var actor: String { identity.actor }
    /// The acting user's name, escaped, for messages.
    var name: String { identity.name }
    /// The acting user: root, the user sudo ran the command for, or the real user.
    var user: SystemUser? { identity.user }

    /// The role of whoever runs this process. Without a configuration only uid 0 is an
    /// administrator and nobody owns a clinic.
    static func current(_ config: LockwardenConfig?, identity: Identity = Identity.current()) -> Authority {
        let directory = ClinicDirectory(config ?? LockwardenConfig())
        if identity.isRoot { return Authority(identity: identity, role: .administrator, directory: directory) }
        guard let user = identity.user, let config else {
            return Authority(identity: identity, role: .nobody, directory: directory)
        }
        if Accounts.isMember(user, ofGroup: config.adminGroup) {
            return Authority(identity: identity, role: .administrator, directory: directory)
        }
        let owns = !directory.clinics(ownedBy: user).isEmpty
        return Authority(identity: identity, role: owns ? .owner : .nobody, directory: directory)
    }

    /// The clinics the acting user owns (empty for administrators, who need none).
    var ownedClinics: [Clinic] {
        guard role == .owner, let user else { return [] }
        return directory.clinics(ownedBy: user)
    }

    /// Whether this actor may act on `member`.
    func mayActOn(_ member: SystemUser) -> Bool {
        switch role {
        case .administrator: return true
        case .nobody: return false
        case .owner:
            guard let user else { return false }
            return directory.owner(user, mayActOn: member)
        }
    }

    /// Whether this actor may act on the account a command names. Owners act only on users
    /// the system knows; names it does not know belong to no clinic.
    func mayActOn(_ target: Target) -> Bool {
        if role == .administrator { return true }
        guard let member = target.systemUser else { return false }
        return mayActOn(member)
    }

    /// For `list` and `log`: whether rows of this UID (nil: a name the system does not know)
    /// are shown. Remembers each UID's answer.
    struct RowFilter {
        let authority: Authority
        private var answers: [UInt32: Bool] = [:]

        init(_ authority: Authority) { self.authority = authority }

        mutating func shows(uid: UInt32?) -> Bool {
            if authority.role == .administrator { return true }
            guard let uid else { return false }
            if let known = answers[uid] { return known }
            let answer = Accounts.user(uid: uid).map { authority.mayActOn($0) } ?? false
            answers[uid] = answer
            return answer
        }
    }

    // MARK: - Admission

    enum Refusal {
        case notAMember
        case administratorsOnly
        case administratorsAndOwnersOnly
        case rootOnly
        case unidentified(String)
        case configUnderSudo

        func text(_ words: String) -> String {
            switch self {
            case .notAMember: return "not a member of a clinic they own"
            case .administratorsOnly: return "only administrators may run \(words)"
            case .administratorsAndOwnersOnly: return "only administrators and clinic owners may run \(words)"
            case .rootOnly: return "only root may run \(words)"
            case .unidentified(let why): return "the acting user cannot be identified: \(why)"
            case .configUnderSudo:
                return "--conf is refused under sudo; only root itself may name another configuration file"
            }
        }
    }

    /// Lets the parsed command run, or ends it with status 5, a message and an "Access refused"
    /// event. Root (uid 0) is admitted without reading anything. Commands that do not declare
    /// their access are for uid 0 only.
    static func admit(_ command: ParsableCommand) throws {
        let type = type(of: command)
        if command is HelpOnlyCommand { return }
        guard let command = command as? AdministeredCommand else {
            // ArgumentParser's own help command, and any command not declared below.
            if type.configuration.commandName == "help" { return }
            let authority = current(nil)
            guard authority.role != .administrator else { return }
            let words = type.configuration.commandName ?? "this command"
            throw authority.refuse(words, target: nil, because: .rootOnly, config: nil)
        }
        let access = Swift.type(of: command).access
        let identity = Identity.current()
        if !identity.viaSudo && identity.isRoot { return }
        // Under sudo the configuration is the installed one: another file could name anyone an
        // administrator or run any program as root.
        if command.global.configPath != LockwardenConfig.defaultPath {
            let installed = try? usableConfig(LockwardenConfig.defaultPath)
            throw current(installed, identity: identity).refuse(
                Swift.type(of: command).words, target: nil, because: .configUnderSudo, config: installed)
        }
        let config = try usableConfig(LockwardenConfig.defaultPath)
        let authority = current(config, identity: identity)
        let words = Swift.type(of: command).words
        let target = command.targetUser.map(Target.resolve)
        if let why = identity.unidentified {
            throw authority.refuse(words, target: target, because: .unidentified(why), config: config)
        }
        if authority.role == .administrator { return }
        switch access {
        case .administrators:
            throw authority.refuse(words, target: target, because: .administratorsOnly, config: config)
        case .ownersOnTheirMembers:
            if let target {
                guard authority.mayActOn(target) else {
                    throw authority.refuse(words, target: target, because: .notAMember, config: config)
                }
            } else if authority.role != .owner {
                throw authority.refuse(words, target: nil, because: .administratorsAndOwnersOnly, config: config)
            }
        }
    }

    /// The configuration, read without printing its warnings (the command does that). Who is an
    /// administrator or owner depends on it, so anyone but root is stopped when it is unusable.
    private static func usableConfig(_ path: String) throws -> LockwardenConfig {
        let loaded = ConfigFile.load(path)
        if case .refused(let message) = loaded.file {
            throw Failure.exit("\(message); only root (without sudo) may run lockwarden until it is fixed")
        }
        // Unknown keys too: a line the parser skips may be one an attacker wrote for another parser.
        guard loaded.parsed.diagnostics.isEmpty else {
            throw Failure.exit(
                "invalid configuration in \(Display.text(path)); only root (without sudo) may run lockwarden "
                    + "until it is fixed (lockwarden doctor shows the errors)")
        }
        return loaded.parsed.config
    }

    /// Writes the refusal on stderr, records an "Access refused" event if the database can be
    /// opened, and returns status 5.
    func refuse(_ words: String, target: Target?, because refusal: Refusal, config: LockwardenConfig?) -> ExitCode {
        let object = target.map { " \($0.displayName)" } ?? ""
        let verb = target == nil ? "run \(words)" : words
        let message = "\(name) may not \(verb)\(object): \(refusal.text(words))"
        var recorded = false
        if let config, let store = try? StateStore.open(for: config) {
            let administration = Administration(
                config: config, store: store, host: CommandLog.shared, actor: actor, tty: Actor.terminal(),
                now: CurrentProcess.now())
            let result = try? administration.perform(
                .refuseAccess(words: words), on: target?.adminTarget ?? .nobody)
            recorded = result.map { $0.dropped.isEmpty } ?? false
        }
        let status = Failure.exit(message, status: Failure.refused)
        if !recorded { Failure.reportDropped([Action.accessRefused.rawValue]) }
        return status
    }
}

/// Who runs the process, as sudo presents it (SUDO_UID and SUDO_USER) or as the kernel does
/// (the real uid). sudo's variables are believed only as far as the caller cannot have chosen
/// them: a sudoers rule tagged SETENV lets the caller set them, so they must agree with each
/// other and with a witness no unprivileged process can change: the real UID of the sudo
/// process that ran us (our parent), or else the audit login UID. A SUDO_UID of 0 counts as
/// root only when a witness says 0 too.
struct Identity {
    /// nil when the system does not know the user, or sudo's variables cannot be believed.
    var user: SystemUser?
    /// Root itself, or root through sudo with a login UID of 0.
    var isRoot: Bool
    var viaSudo: Bool
    var name: String
    var actor: String
    /// Why sudo's variables were not believed; nil when they were (or sudo was not used).
    var unidentified: String?

    /// The audit login UID's "unset" value.
    static let unsetLoginUID: UInt32 = 4_294_967_295

    static func current() -> Identity {
        from(
            sudoUser: CurrentProcess.environment("SUDO_USER"), sudoUID: CurrentProcess.environment("SUDO_UID"),
            realUID: CurrentProcess.realUID, sudoParentUID: CurrentProcess.sudoParentRealUID,
            loginUID: CurrentProcess.loginUID, lookup: { Accounts.user(uid: $0) })
    }

    /// The identity for these facts; `lookup` finds a user by UID.
    static func from(
        sudoUser: String?, sudoUID: String?, realUID: UInt32, sudoParentUID: UInt32?, loginUID: UInt32?,
        lookup: (UInt32) -> SystemUser?
    ) -> Identity {
        // Present at all, even empty, means sudo ran us: an empty value must not pass for "no sudo".
        if sudoUser != nil || sudoUID != nil {
            let uid = sudoUID.flatMap(parseUID)
            let uidText = uid.map { String($0) } ?? "?"
            let given = Escape.text(sudoUser ?? "?", limit: 64)
            func refused(_ why: String) -> Identity {
                Identity(
                    user: nil, isRoot: false, viaSudo: true, name: "an unidentified sudo user",
                    actor: "\(given) (uid \(uidText), via sudo, unidentified)", unidentified: why)
            }
            guard let uid, let sudoUser, !sudoUser.isEmpty else {
                return refused("SUDO_UID and SUDO_USER must both be set, and SUDO_UID must be a number")
            }
            guard let user = lookup(uid) else { return refused("SUDO_UID \(uid) names no user") }
            guard user.name == sudoUser else {
                return refused("SUDO_USER \(given) is not the user SUDO_UID \(uid) names")
            }
            if let sudoParentUID, sudoParentUID != uid {
                return refused("SUDO_UID \(uid) is not the user who ran sudo (uid \(sudoParentUID))")
            }
            let login = loginUID.flatMap { $0 == unsetLoginUID ? nil : $0 }
            if sudoParentUID == nil, let login, login != uid {
                return refused("SUDO_UID \(uid) differs from the login uid \(login)")
            }
            if uid == 0 && (sudoParentUID ?? login) != 0 {
                return refused("SUDO_UID 0 that neither sudo nor the login uid confirms; run lockwarden as root")
            }
            let name = Escape.text(user.name, limit: 64)
            return Identity(
                user: user, isRoot: uid == 0, viaSudo: true, name: name, actor: "\(name) (uid \(uidText), via sudo)",
                unidentified: nil)
        }
        guard let user = lookup(realUID) else {
            return Identity(
                user: nil, isRoot: realUID == 0, viaSudo: false, name: "uid \(realUID)", actor: "uid \(realUID)",
                unidentified: nil)
        }
        let name = Escape.text(user.name, limit: 64)
        return Identity(
            user: user, isRoot: realUID == 0, viaSudo: false, name: name, actor: "\(name) (uid \(realUID))",
            unidentified: nil)
    }

    /// Decimal digits only (no sign, no blanks), as sudo writes it.
    private static func parseUID(_ text: String) -> UInt32? {
        guard text.utf8.count <= 10, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return UInt32(text)
    }
}

// MARK: - What each command may be run by

enum CommandAccess {
    /// Administrators on anyone; clinic owners on members of their clinics.
    case ownersOnTheirMembers
    case administrators
}

/// A command that only groups others; run alone it prints its help.
protocol HelpOnlyCommand: ParsableCommand {}

/// A command as `Authority.admit` sees it.
protocol AdministeredCommand: ParsableCommand {
    static var access: CommandAccess { get }
    /// The command's words, e.g. "mfa reset", in refusals and in the event's detail.
    static var words: String { get }
    var global: GlobalOptions { get }
    /// The user argument, if the command acts on one.
    var targetUser: String? { get }
}

extension Lockwarden: HelpOnlyCommand {}

extension MFACommand: HelpOnlyCommand {}
extension FleetCommand: HelpOnlyCommand {}

extension ListCommand: AdministeredCommand {
    static var access: CommandAccess { .ownersOnTheirMembers }
    static var words: String { "list" }
    var targetUser: String? { nil }
}

extension ShowCommand: AdministeredCommand {
    static var access: CommandAccess { .ownersOnTheirMembers }
    static var words: String { "show" }
    var targetUser: String? { user }
}

extension UnlockCommand: AdministeredCommand {
    static var access: CommandAccess { .ownersOnTheirMembers }
    static var words: String { "unlock" }
    var targetUser: String? { user }
}

extension LogCommand: AdministeredCommand {
    static var access: CommandAccess { .ownersOnTheirMembers }
    static var words: String { "log" }
    var targetUser: String? { user }
}

extension LockCommand: AdministeredCommand {
    static var access: CommandAccess { .administrators }
    static var words: String { "lock" }
    var targetUser: String? { user }
}

extension MFAEnrollCommand: AdministeredCommand {
    static var access: CommandAccess { .administrators }
    static var words: String { "mfa enroll" }
    var targetUser: String? { user }
}

extension MFAResetCommand: AdministeredCommand {
    static var access: CommandAccess { .administrators }
    static var words: String { "mfa reset" }
    var targetUser: String? { user }
}

extension MFACodesCommand: AdministeredCommand {
    static var access: CommandAccess { .administrators }
    static var words: String { "mfa codes" }
    var targetUser: String? { user }
}

extension MFAStatusCommand: AdministeredCommand {
    static var access: CommandAccess { .administrators }
    static var words: String { "mfa status" }
    var targetUser: String? { user }
}

extension DoctorCommand: AdministeredCommand {
    static var access: CommandAccess { .administrators }
    static var words: String { "doctor" }
    var targetUser: String? { nil }
}

extension InitCommand: AdministeredCommand {
    static var access: CommandAccess { .administrators }
    static var words: String { "init" }
    var targetUser: String? { nil }
}

extension NotifyCommand: AdministeredCommand {
    static var access: CommandAccess { .administrators }
    static var words: String { "notify" }
    var targetUser: String? { nil }
}

extension PasswordCommand: HelpOnlyCommand {}

extension PasswordCommand.Reset: AdministeredCommand {
    static var access: CommandAccess { .ownersOnTheirMembers }
    static var words: String { "password reset" }
    var targetUser: String? { user }
}

extension UserCommand: HelpOnlyCommand {}

extension UserCommand.SetEmail: AdministeredCommand {
    static var access: CommandAccess { .administrators }
    static var words: String { "user set-email" }
    var targetUser: String? { user }
}
