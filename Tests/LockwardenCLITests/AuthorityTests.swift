import LockwardenPolicy
import LockwardenSystem
import Testing

@testable import LockwardenCLI

private let alice = SystemUser(name: "alice", uid: 1_000, gid: 1_000, fullName: "")
private let root = SystemUser(name: "root", uid: 0, gid: 0, fullName: "")
private func lookup(_ uid: UInt32) -> SystemUser? { uid == 1_000 ? alice : uid == 0 ? root : nil }

/// Who runs the command, from facts given here instead of the process's own.
@Suite("CLI: who is acting")
struct AuthorityTests {
    @Test("root itself, without sudo, is root and an administrator")
    func rootItself() {
        let identity = Identity.from(
            sudoUser: nil, sudoUID: nil, realUID: 0, sudoParentUID: nil, loginUID: nil, lookup: lookup)
        #expect(identity.isRoot && !identity.viaSudo && identity.unidentified == nil)
        #expect(identity.actor == "root (uid 0)")
        #expect(Authority.current(nil, identity: identity).role == .administrator)
    }

    @Test("a sudo user whom sudo's own real UID confirms is that user")
    func confirmedSudoUser() {
        let identity = Identity.from(
            sudoUser: "alice", sudoUID: "1000", realUID: 0, sudoParentUID: 1_000, loginUID: nil, lookup: lookup)
        #expect(identity.user == alice && !identity.isRoot && identity.unidentified == nil)
        #expect(identity.actor == "alice (uid 1000, via sudo)")
    }

    @Test(
        "sudo variables that disagree with each other or with a witness are not believed",
        arguments: [
            ("alice", "1001", UInt32?(1_000), UInt32?(nil), "SUDO_UID 1001 names no user"),
            ("bob", "1000", 1_000, nil, "SUDO_USER bob is not the user SUDO_UID 1000 names"),
            ("alice", "1000", 1_002, nil, "SUDO_UID 1000 is not the user who ran sudo (uid 1002)"),
            ("alice", "1000", nil, 1_002, "SUDO_UID 1000 differs from the login uid 1002"),
            ("root", "0", 1_000, nil, "SUDO_UID 0 is not the user who ran sudo (uid 1000)"),
            ("", "1000", 1_000, nil, "SUDO_UID and SUDO_USER must both be set, and SUDO_UID must be a number"),
            ("alice", "+1000", 1_000, nil, "SUDO_UID and SUDO_USER must both be set, and SUDO_UID must be a number"),
        ] as [(String, String, UInt32?, UInt32?, String)])
    func spoofedSudo(user: String, uid: String, parent: UInt32?, login: UInt32?, why: String) {
        let identity = Identity.from(
            sudoUser: user, sudoUID: uid, realUID: 0, sudoParentUID: parent, loginUID: login, lookup: lookup)
        #expect(identity.user == nil && !identity.isRoot && identity.viaSudo)
        #expect(identity.unidentified == why)
        #expect(Authority.current(nil, identity: identity).role == .nobody)
    }

    @Test("SUDO_UID 0 counts as root only when sudo itself ran as root")
    func sudoRoot() {
        let confirmed = Identity.from(
            sudoUser: "root", sudoUID: "0", realUID: 0, sudoParentUID: 0, loginUID: nil, lookup: lookup)
        #expect(confirmed.isRoot && confirmed.unidentified == nil)
        let unconfirmed = Identity.from(
            sudoUser: "root", sudoUID: "0", realUID: 0, sudoParentUID: nil, loginUID: 1_000, lookup: lookup)
        #expect(!unconfirmed.isRoot)
        #expect(unconfirmed.unidentified == "SUDO_UID 0 differs from the login uid 1000")
    }

    @Test("without a configuration, only root is an administrator, and nobody owns a clinic")
    func noConfiguration() {
        let identity = Identity.from(
            sudoUser: "alice", sudoUID: "1000", realUID: 0, sudoParentUID: 1_000, loginUID: nil, lookup: lookup)
        let authority = Authority.current(nil, identity: identity)
        #expect(authority.role == .nobody)
        #expect(authority.ownedClinics.isEmpty)
        #expect(!authority.mayActOn(root))
    }
}
