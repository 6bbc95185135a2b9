/// The table of settings: one entry per key, shared by the file and the module arguments.
struct ConfigKey {
    let name: String
    /// Bare module arguments such as `even_deny_root` mean "yes" for boolean keys.
    let isBoolean: Bool
    let apply: (inout LockwardenConfig, String) -> String?

    static func integer(
        _ name: String, _ range: ClosedRange<Int64>, _ set: @escaping (inout LockwardenConfig, Int64) -> Void
    ) -> ConfigKey {
        ConfigKey(name: name, isBoolean: false) { config, text in
            guard let value = parseInteger(text, range) else { return rangeMessage(name, range) }
            set(&config, value)
            return nil
        }
    }

    static func count(
        _ name: String, _ range: ClosedRange<Int64>, _ set: @escaping (inout LockwardenConfig, Int) -> Void
    ) -> ConfigKey {
        ConfigKey(name: name, isBoolean: false) { config, text in
            guard let value = parseInteger(text, range), let exact = Int(exactly: value) else {
                return rangeMessage(name, range)
            }
            set(&config, exact)
            return nil
        }
    }

    static func boolean(_ name: String, _ set: @escaping (inout LockwardenConfig, Bool) -> Void) -> ConfigKey {
        ConfigKey(name: name, isBoolean: true) { config, text in
            switch text.lowercased() {
            case "yes", "true", "on", "1": set(&config, true)
            case "no", "false", "off", "0": set(&config, false)
            default: return "\(name) must be yes or no"
            }
            return nil
        }
    }

    static func choice<T: RawRepresentable & CaseIterable>(
        _ name: String, _ set: @escaping (inout LockwardenConfig, T) -> Void
    ) -> ConfigKey where T.RawValue == String {
        ConfigKey(name: name, isBoolean: false) { config, text in
            guard let value = T(rawValue: text.lowercased()) else {
                return "\(name) must be one of: " + T.allCases.map { $0.rawValue }.joined(separator: ", ")
            }
            set(&config, value)
            return nil
        }
    }

    /// An absolute path. It is written into log lines: no control characters.
    static func path(_ name: String, _ set: @escaping (inout LockwardenConfig, String) -> Void) -> ConfigKey {
        ConfigKey(name: name, isBoolean: false) { config, text in
            guard text.hasPrefix("/"), Escape.isPrintable(text), text.utf8.count < 4_096 else {
                return "\(name) must be an absolute path"
            }
            set(&config, text)
            return nil
        }
    }

    private static func rangeMessage(_ name: String, _ range: ClosedRange<Int64>) -> String {
        "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)"
    }
}

/// A fleet host name, which is also its PostgreSQL role: safe unquoted in SQL and in a path.
public func isFleetHostName(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    guard (1...63).contains(bytes.count), bytes[0] >= 97, bytes[0] <= 122 else { return false }
    return bytes.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
}

/// Parses a plain decimal number within a range; no signs, spaces or units.
func parseInteger(_ text: String, _ range: ClosedRange<Int64>) -> Int64? {
    guard !text.isEmpty, text.utf8.count <= 19, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
    guard let value = Int64(text), range.contains(value) else { return nil }
    return value
}

private let oneYear: Int64 = 31_536_000

// Immutable after initialisation; nonisolated(unsafe) only because closures are not Sendable.
nonisolated(unsafe) let configKeys: [ConfigKey] =
    [
        .count("deny", 0...1_000, { $0.deny = $1 }),
        .integer("fail_interval", 1...oneYear, { $0.failInterval = $1 }),
        .integer("unlock_time", 0...oneYear, { $0.unlockTime = $1 }),
        ConfigKey(name: "root_unlock_time", isBoolean: false) { config, text in
            // Empty: the same as unlock_time (the default).
            if text.isEmpty {
                config.rootUnlockTime = nil
                return nil
            }
            guard let value = parseInteger(text, 0...oneYear) else {
                return "root_unlock_time must be a whole number from 0 to \(oneYear)"
            }
            config.rootUnlockTime = value
            return nil
        },
        .boolean("even_deny_root", { $0.evenDenyRoot = $1 }),
        ConfigKey(name: "exempt_group", isBoolean: false) { config, text in
            // Empty: nobody is exempt (the default).
            if text.isEmpty {
                config.exemptGroup = nil
                return nil
            }
            guard isPlainName(text) else { return "exempt_group must be a group name" }
            config.exemptGroup = text
            return nil
        },
        .count("lockouts_before_action", 0...1_000, { $0.lockoutsBeforeAction = $1 }),
        .choice("lockout_action", { $0.lockoutAction = $1 }),
        .integer("unlock_time_multiplier", 1...100, { $0.unlockTimeMultiplier = $1 }),
        .integer("max_unlock_time", 0...oneYear, { $0.maxUnlockTime = $1 }),
        .count("max_consecutive_failures", 0...1_000_000, { $0.maxConsecutiveFailures = $1 }),
        .boolean("silent", { $0.silent = $1 }),
        .boolean("show_lock_message", { $0.showLockMessage = $1 }),
        .choice("on_error", { $0.onError = $1 }),
        .choice("sync", { $0.sync = $1 }),
        .boolean("log_successes", { $0.logSuccesses = $1 }),
        .path("db", { $0.databasePath = $1 }),
        .count("max_events", 100...100_000_000, { $0.maxEvents = $1 }),
        .count("max_unknown_users", 10...10_000_000, { $0.maxUnknownUsers = $1 }),
        .count("busy_timeout", 0...60_000, { $0.busyTimeoutMilliseconds = $1 }),
        .count("record_timeout", 0...120_000, { $0.recordTimeoutMilliseconds = $1 }),
        .boolean("debug", { $0.debug = $1 }),
        .choice("totp", { $0.totp = $1 }),
        .choice("totp_algorithm", { $0.totpHash = $1 }),
        ConfigKey(name: "totp_digits", isBoolean: false) { config, text in
            guard text == "6" || text == "8" else { return "totp_digits must be 6 or 8" }
            config.totpDigits = text == "6" ? 6 : 8
            return nil
        },
        .integer("totp_period", 15...300, { $0.totpPeriod = $1 }),
        .count("totp_window", 0...10, { $0.totpWindow = $1 }),
        ConfigKey(name: "totp_issuer", isBoolean: false) { config, text in
            guard text.utf8.count <= 64, text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                return "totp_issuer must be printable text of at most 64 bytes"
            }
            config.totpIssuer = text
            return nil
        },
        .choice("reenroll_verification", { $0.reenrollVerification = $1 }),
        .integer("device_code_lifetime", 60...86_400, { $0.deviceCodeLifetime = $1 }),
        .integer("reset_code_lifetime", 60...86_400, { $0.resetCodeLifetime = $1 }),
        .boolean("notify_on_lock", { $0.notifyOnLock = $1 }),
        ConfigKey(name: "mail_command", isBoolean: false) { config, text in
            guard text.hasPrefix("/"), text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                return "mail_command must start with an absolute path"
            }
            config.mailCommand = text
            return nil
        },
        address("mail_from", { $0.mailFrom = $1 }),
        address("admin_email", { $0.adminEmail = $1 }),
        ConfigKey(name: "user_email", isBoolean: false) { config, text in
            guard text.isEmpty || MailAddress.checked(MailTemplate.substitute(text, ["user": "user"])) != nil else {
                return "user_email must be an address pattern such as {user}@clinic.example"
            }
            config.userEmail = text
            return nil
        },
        .boolean("unlock_pin", { $0.unlockPIN = $1 }),
        .count("pin_requests_per_hour", 1...1_000, { $0.pinRequestsPerHour = $1 }),
        .count("pin_failures_per_hour", 1...1_000, { $0.pinFailuresPerHour = $1 }),
        ConfigKey(name: "admin_group", isBoolean: false) { config, text in
            guard isPlainName(text) else { return "admin_group must be a group name" }
            config.adminGroup = text
            return nil
        },
        ConfigKey(name: "notify_program", isBoolean: false) { config, text in
            guard text.hasPrefix("/"), !text.contains(" "), Escape.isPrintable(text) else {
                return "notify_program must be an absolute path"
            }
            config.notifyProgram = text
            return nil
        },
        ConfigKey(name: "fleet_host", isBoolean: false) { config, text in
            guard text.isEmpty || isFleetHostName(text) else {
                return "fleet_host must be 1 to 63 lower-case letters, digits or _, starting with a letter"
            }
            config.fleetHost = text
            return nil
        },
        .path("fleet_connection", { $0.fleetConnection = $1 }),
        .path("fleet_key", { $0.fleetKey = $1 }),
        .count("fleet_outbox_limit", 1_000...10_000_000, { $0.fleetOutboxLimit = $1 }),
    ] + MailTemplateName.allCases.flatMap(templateKeys)

/// An empty value or a plain mail address.
private func address(_ name: String, _ set: @escaping (inout LockwardenConfig, String) -> Void) -> ConfigKey {
    ConfigKey(name: name, isBoolean: false) { config, text in
        guard text.isEmpty || MailAddress.checked(text) != nil else { return "\(name) must be a mail address" }
        set(&config, text)
        return nil
    }
}

/// `mail_<template>_subject` and `mail_<template>_body`; "\n" in a value is a line break.
private func templateKeys(_ name: MailTemplateName) -> [ConfigKey] {
    [
        ConfigKey(name: "mail_\(name.rawValue)_subject", isBoolean: false) { config, text in
            config.mailTemplates[name, default: name.defaultTemplate].subject = text
            return nil
        },
        ConfigKey(name: "mail_\(name.rawValue)_body", isBoolean: false) { config, text in
            config.mailTemplates[name, default: name.defaultTemplate].body = TextReplace.all(
                in: text, "\\n", with: "\n")
            return nil
        },
    ]
}

/// Letters, digits, '.', '_' and '-' only: what group and user names are made of.
func isPlainName(_ text: String) -> Bool {
    !text.isEmpty && text.utf8.count <= 256
        && text.utf8.allSatisfy { byte in
            (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
                || byte == 46 || byte == 95 || byte == 45
        }
}
