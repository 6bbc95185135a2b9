import Testing

@testable import LockwardenPolicy

private let file = "/etc/security/lockwarden.conf"

@Suite("admin_group")
struct AdminGroupConfigTests {
    @Test("defaults to sudo")
    func defaultGroup() {
        let parsed = ConfigParser.parse(fileText: "", fileName: file, arguments: [])
        #expect(parsed.config.adminGroup == "sudo")
    }

    @Test("takes a group name, in the file and as a module argument")
    func groupName() {
        let parsed = ConfigParser.parse(fileText: "admin_group = lw-admins_2.x\n", fileName: file, arguments: [])
        #expect(parsed.diagnostics.isEmpty)
        #expect(parsed.config.adminGroup == "lw-admins_2.x")
        let fromArgument = ConfigParser.parse(fileText: "", fileName: file, arguments: ["admin_group=wheel"])
        #expect(fromArgument.diagnostics.isEmpty)
        #expect(fromArgument.config.adminGroup == "wheel")
    }

    @Test("anything but one plain group name is an error naming the line, and keeps the default")
    func invalidValues() {
        for value in ["", "@sudo", "wheel staff", "../etc", "sudo,wheel", "adm\u{1B}in"] {
            let parsed = ConfigParser.parse(fileText: "admin_group = \(value)\n", fileName: file, arguments: [])
            #expect(
                parsed.errors == [
                    ConfigDiagnostic(
                        severity: .error, location: "\(file) line 1", message: "admin_group must be a group name")
                ],
                "\(value)")
            #expect(parsed.config.adminGroup == "sudo", "\(value)")
        }
    }
}
