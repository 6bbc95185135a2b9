import CLibc

/// A user from the passwd database (files, LDAP, ... through NSS).
public struct SystemUser: Equatable, Sendable {
    public var name: String
    public var uid: UInt32
    public var gid: UInt32
    /// The GECOS field's first part: the user's full name, when set.
    public var fullName: String

    public init(name: String, uid: UInt32, gid: UInt32, fullName: String) {
        self.name = name
        self.uid = uid
        self.gid = gid
        self.fullName = fullName
    }

    public var isRoot: Bool { uid == 0 }
}

/// Looks users and groups up through NSS. Names are bytes: nothing here decodes or
/// normalises them, so two different byte strings never become the same user by accident.
public enum Accounts {
    /// The user with exactly this name, or nil (unknown, or not a possible name).
    public static func user<Bytes: Collection>(named name: Bytes) -> SystemUser? where Bytes.Element == UInt8 {
        guard !name.isEmpty, name.count <= 256, let cName = cString(name) else { return nil }
        return withPasswdBuffer { entry, buffer, size, result in
            getpwnam_r(cName, entry, buffer, size, result)
        }
    }

    /// Whether the user has an entry in /etc/shadow: a local password that chpasswd can set
    /// (a directory user's password lives elsewhere). Root only.
    public static func hasLocalPassword(_ name: String) -> Bool {
        var entry = spwd()
        var result: UnsafeMutablePointer<spwd>?
        var buffer = [CChar](repeating: 0, count: 4_096)
        let status = buffer.withUnsafeMutableBufferPointer { pointer -> Int32 in
            guard let base = pointer.baseAddress else { return EINVAL }
            return getspnam_r(name, &entry, base, pointer.count, &result)
        }
        // The buffer held the hash: clear it.
        buffer.withUnsafeMutableBytes { lw_wipe($0.baseAddress, $0.count) }
        return status == 0 && result != nil
    }

    public static func user(uid: UInt32) -> SystemUser? {
        withPasswdBuffer { entry, buffer, size, result in
            getpwuid_r(uid, entry, buffer, size, result)
        }
    }

    /// The numeric id of a group, or nil when there is no such group.
    public static func groupID(named name: String) -> UInt32? {
        guard let cName = cString(name.utf8) else { return nil }
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = buffer.withUnsafeMutableBufferPointer { pointer in
            getgrnam_r(cName, &entry, pointer.baseAddress, pointer.count, &result)
        }
        guard status == 0, result != nil else { return nil }
        return entry.gr_gid
    }

    /// Members of a group: its member list plus users whose primary group it is not
    /// counted (that needs a full passwd scan); use `isMember` for a single user.
    public static func groupMembers(named name: String) -> [String] {
        guard let cName = cString(name.utf8) else { return [] }
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 65_536)
        return buffer.withUnsafeMutableBufferPointer { pointer -> [String] in
            guard getgrnam_r(cName, &entry, pointer.baseAddress, pointer.count, &result) == 0, result != nil,
                var member = entry.gr_mem
            else { return [] }
            var names: [String] = []
            while let name = member.pointee, names.count < 100_000 {
                names.append(String(cString: name))
                member += 1
            }
            return names
        }
    }

    /// Whether the user belongs to the group, as primary or supplementary group.
    public static func isMember(_ user: SystemUser, ofGroup groupName: String) -> Bool {
        guard let wanted = groupID(named: groupName) else { return false }
        if user.gid == wanted { return true }
        guard let cName = cString(user.name.utf8) else { return false }
        var count: Int32 = 256
        var groups = [gid_t](repeating: 0, count: Int(count))
        var status = getgrouplist(cName, user.gid, &groups, &count)
        if status < 0 && count > 0 && count <= 65_536 {
            groups = [gid_t](repeating: 0, count: Int(count))
            status = getgrouplist(cName, user.gid, &groups, &count)
        }
        guard status >= 0 else { return false }
        return groups.prefix(Int(max(0, count))).contains(wanted)
    }

    private static func withPasswdBuffer(
        _ lookup: (
            UnsafeMutablePointer<passwd>, UnsafeMutablePointer<CChar>, Int,
            UnsafeMutablePointer<UnsafeMutablePointer<passwd>?>
        ) -> Int32
    ) -> SystemUser? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = buffer.withUnsafeMutableBufferPointer { pointer -> Int32 in
            guard let base = pointer.baseAddress else { return ERANGE }
            return lookup(&entry, base, pointer.count, &result)
        }
        guard status == 0, result != nil, let namePointer = entry.pw_name else { return nil }
        let gecos = entry.pw_gecos.map { String(cString: $0) } ?? ""
        let fullName = gecos.split(separator: ",", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return SystemUser(name: String(cString: namePointer), uid: entry.pw_uid, gid: entry.pw_gid, fullName: fullName)
    }
}
