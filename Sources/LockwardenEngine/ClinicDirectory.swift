import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// Answers who belongs to which clinic and who owns it, from the `[clinic NAME]` sections
/// and the system's users and groups.
public struct ClinicDirectory: Sendable {
    public let clinics: [Clinic]

    public init(_ config: LockwardenConfig) { clinics = config.clinics }

    /// The clinics the user is a member of.
    public func clinics(of user: SystemUser) -> [Clinic] {
        clinics.filter { Self.matches(user, $0.members) }
    }

    /// The clinics the user owns.
    public func clinics(ownedBy user: SystemUser) -> [Clinic] {
        clinics.filter { Self.matches(user, $0.owners) }
    }

    /// Whether `owner` owns a clinic that `member` belongs to.
    public func owner(_ owner: SystemUser, mayActOn member: SystemUser) -> Bool {
        clinics(of: member).contains { Self.matches(owner, $0.owners) }
    }

    /// The owners of the user's clinics (each once), for lock notifications. Groups count
    /// their listed members; name owners explicitly or as supplementary group members.
    public func owners(of user: SystemUser) -> [SystemUser] {
        var seen: Set<UInt32> = []
        var owners: [SystemUser] = []
        for clinic in clinics(of: user) {
            for entry in clinic.owners {
                let names: [String]
                switch entry {
                case .user(let name): names = [name]
                case .group(let group): names = Accounts.groupMembers(named: group)
                }
                for name in names {
                    if let owner = Accounts.user(named: Array(name.utf8)), seen.insert(owner.uid).inserted {
                        owners.append(owner)
                    }
                }
            }
        }
        return owners
    }

    static func matches(_ user: SystemUser, _ entries: [Membership]) -> Bool {
        entries.contains { entry in
            switch entry {
            case .user(let name): return user.name == name
            case .group(let group): return Accounts.isMember(user, ofGroup: group)
            }
        }
    }
}

/// Where a user's mail goes: their own address, else the configured pattern.
public enum MailDirectory {
    public static func address(of user: SystemUser, store: StateStore, config: LockwardenConfig)
        throws(StoreError) -> String?
    {
        if let own = try store.email(uid: user.uid), MailAddress.checked(own) != nil { return own }
        guard !config.userEmail.isEmpty else { return nil }
        return MailAddress.checked(MailTemplate.substitute(config.userEmail, ["user": user.name]))
    }

    /// The sender: `mail_from`, or lockwarden@HOSTNAME.
    public static func sender(_ config: LockwardenConfig) -> String {
        config.mailFrom.isEmpty ? "lockwarden@\(HostName.current())" : config.mailFrom
    }

    /// The name owners see: the GECOS full name, or the login name.
    public static func fullName(of user: SystemUser) -> String {
        user.fullName.isEmpty ? user.name : user.fullName
    }
}
