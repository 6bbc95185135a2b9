import LockwardenPolicy

/// Judges one service's use of pam_lockwarden.so against the recommended stack
/// (README "Protecting a service").
enum StackAdvice {
    /// `checkedConfig` is the file the configuration check already reported on.
    static func check(service: String, rules: [PamRule], checkedConfig: String, into report: inout DoctorReport) {
        let ours = rules.filter(\.isLockwarden)
        let auth = ours.filter { $0.type == "auth" }
        let name = service
        func location(_ rule: PamRule) -> String {
            rule.file.hasSuffix("/" + service) ? "line \(rule.line)" : "\(rule.file) line \(rule.line)"
        }

        for rule in ours {
            checkArguments(rule, service: name, location: location(rule), checkedConfig: checkedConfig, into: &report)
        }
        for rule in auth where rule.mode == nil || rule.mode == "changed" {
            report.problem(
                "pam",
                "\(name): \(location(rule)): auth line without preauth, authfail or authsucc; "
                    + "the module refuses every login there")
        }

        let preauth = auth.filter { $0.mode == "preauth" }
        let authfail = auth.filter { $0.mode == "authfail" }
        let authsucc = auth.filter { $0.mode == "authsucc" }
        for rule in preauth where !stopsOnFailure(rule.control) {
            report.warning(
                "pam",
                "\(name): \(location(rule)): preauth uses control \"\(rule.control)\"; use requisite "
                    + "(or [success=ok default=die]) so a locked account is refused before the password is checked")
        }
        for rule in authfail where !stopsOnFailure(rule.control) && !jumpsOnlyOverDeny(rule, in: rules) {
            report.warning(
                "pam",
                "\(name): \(location(rule)): authfail uses control \"\(rule.control)\"; use [success=ok default=die] "
                    + "so the authsucc line never runs after a failure")
        }
        if !preauth.isEmpty && authfail.isEmpty {
            report.warning("pam", "\(name): preauth without an authfail line; failures are not counted")
        }
        if !preauth.isEmpty && authsucc.isEmpty {
            report.warning(
                "pam", "\(name): preauth without an authsucc line; a successful login does not reset the count")
        }
        if preauth.isEmpty && !(authfail.isEmpty && authsucc.isEmpty) {
            report.warning(
                "pam",
                "\(name): authfail/authsucc without a preauth line; a locked account is not refused at the auth stage")
        }
        if let first = preauth.first, let fail = authfail.first, let success = authsucc.first,
            !(index(of: first, in: rules) < index(of: fail, in: rules)
                && index(of: fail, in: rules) < index(of: success, in: rules))
        {
            report.warning(
                "pam", "\(name): the auth lines should come in the order preauth, password module, authfail, authsucc")
        }
        // Screen lockers and password-only services run no account stage: nothing to stop there.
        if !auth.isEmpty && rules.contains(where: { $0.type == "account" })
            && !ours.contains(where: { $0.type == "account" })
        {
            report.warning(
                "pam",
                "\(name): no account line for pam_lockwarden.so; "
                    + "logins that skip auth (SSH keys) are not stopped while locked")
        }
    }

    /// `requisite`, or a bracketed control whose default is `die` and whose success is `ok`.
    static func stopsOnFailure(_ control: String) -> Bool {
        if control == "requisite" { return true }
        let values = controlValues(control)
        return values["default"] == "die" && (values["success"] == nil || values["success"] == "ok")
    }

    /// `[success=N default=die]` whose jump skips only pam_deny.so lines: how pam-auth-update
    /// writes the authfail line of the lockwarden-authfail profile, before the fallback deny.
    static func jumpsOnlyOverDeny(_ rule: PamRule, in rules: [PamRule]) -> Bool {
        let values = controlValues(rule.control)
        guard values["default"] == "die", let jump = values["success"].flatMap({ Int($0) }), jump > 0 else {
            return false
        }
        let following = rules.filter { $0.type == rule.type }.drop { !($0.file == rule.file && $0.line == rule.line) }
            .dropFirst()
        return following.count >= jump && following.prefix(jump).allSatisfy { $0.module.hasSuffix("pam_deny.so") }
    }

    private static func controlValues(_ control: String) -> [String: String] {
        var values: [String: String] = [:]
        guard control.hasPrefix("["), control.hasSuffix("]") else { return values }
        for pair in control.dropFirst().dropLast().split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        return values
    }

    private static func index(of rule: PamRule, in rules: [PamRule]) -> Int {
        rules.firstIndex(where: { $0.file == rule.file && $0.line == rule.line }) ?? 0
    }

    /// The module reads its configuration with these arguments: any error makes it fail closed.
    private static func checkArguments(
        _ rule: PamRule, service: String, location: String, checkedConfig: String, into report: inout DoctorReport
    ) {
        let path = ConfigParser.configPath(arguments: rule.arguments)
        let loaded = ConfigFile.load(path, arguments: rule.arguments)
        let fileChecked = path == checkedConfig
        if case .refused(let message) = loaded.file, !fileChecked {
            report.problem("pam", "\(service): \(location): \(message); the module refuses every login there")
        }
        for diagnostic in loaded.parsed.diagnostics {
            let fromArgument = diagnostic.location.hasPrefix("module argument")
            if !fromArgument && fileChecked { continue }
            let text = fromArgument ? "\(service): \(location): \(diagnostic.text)" : diagnostic.text
            if diagnostic.severity == .error {
                report.problem("pam", "\(text); the module refuses every login there")
            } else {
                report.warning("pam", text)
            }
        }
    }
}
