import ArgumentParser
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// The account a command is about, resolved the way the PAM module resolves a login name:
/// by UID for a user the system knows, by the exact bytes of the name otherwise.
struct Target {
    var key: AccountKey
    var systemUser: SystemUser?
    /// The name as given, escaped.
    var displayName: String
    /// How the module writes this name into events (escaped, at most 64 bytes).
    var eventName: String

    /// `name` is the argument as ArgumentParser decoded it; the lookup uses its exact bytes.
    static func resolve(_ name: String) -> Target {
        let bytes = RawArguments.bytes(of: name)
        if let user = Accounts.user(named: bytes) {
            return Target(
                key: .user(uid: user.uid, name: user.name), systemUser: user, displayName: Display.bytes(bytes),
                eventName: Escape.text(user.name, limit: 64))
        }
        return Target(
            key: .unknown(name: bytes), systemUser: nil, displayName: Display.bytes(bytes),
            eventName: Escape.bytes(bytes, limit: 64))
    }

    /// What a user argument must look like before anything is looked up.
    static func validate(_ name: String) throws {
        let bytes = name.utf8
        guard !bytes.isEmpty, bytes.count <= 256, !bytes.contains(0) else {
            throw ValidationError("a user name has 1 to 256 bytes")
        }
    }
}
