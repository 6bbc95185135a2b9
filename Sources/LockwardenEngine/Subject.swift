import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// The user an attempt is about, resolved once per call.
struct CallSubject {
    var key: AccountKey
    var kind: SubjectKind
    var uid: UInt32?
    /// Escaped for logs and events.
    var displayName: String

    /// Nil when the name can never be a user (empty, too long, NUL): such calls are refused.
    static func resolve(_ name: [UInt8], config: LockwardenConfig) -> CallSubject? {
        guard !name.isEmpty, name.count <= RequestLimits.maxUserBytes, !name.contains(0) else { return nil }
        let display = Escape.bytes(name, limit: 64)
        guard let user = Accounts.user(named: name) else {
            return CallSubject(key: .unknown(name: name), kind: .unknown, uid: nil, displayName: display)
        }
        let kind: SubjectKind
        if user.isRoot {
            kind = .root
        } else if let group = config.exemptGroup, Accounts.isMember(user, ofGroup: group) {
            kind = .exempt
        } else {
            kind = .regular
        }
        return CallSubject(key: .user(uid: user.uid, name: user.name), kind: kind, uid: user.uid, displayName: display)
    }
}
