import LockwardenPolicy

/// A user's second factor as `lockwarden.second_factors` holds it, on the database's clock.
public struct FleetSecondFactor: Equatable, Sendable {
    public var account: String
    public var factor: SharedSecondFactor
    public var version: Int64
    public var updatedBy: String

    static let columns = """
        fingerprint, sealed_secret, algorithm, digits, period, last_step, enrolled_at, reenroll_required, \
        reset_at, reset_by, backup_codes, codes_at, one_time_codes, version, updated_by, account
        """

    init?(row: [String?]) {
        guard row.count == 16, let account = row[15], let fingerprint = Self.bytes(row[0]),
            let sealed = Self.bytes(row[1]), let codes = Self.codes(row[10] ?? ""),
            let oneTime = Self.oneTimeCodes(row[12] ?? "")
        else { return nil }
        self.account = account
        factor = SharedSecondFactor(
            fingerprint: fingerprint, sealedSecret: sealed, algorithm: row[2] ?? "SHA1", digits: Int(row[3] ?? "") ?? 6,
            period: Int64(row[4] ?? "") ?? 30, lastStep: row[5].flatMap { UInt64($0) },
            enrolledAt: row[6].flatMap { Int64($0) }, reenrollRequired: row[7] == "t",
            resetAt: row[8].flatMap { Int64($0) }, resetBy: row[9], backupCodes: codes,
            codesAt: row[11].flatMap { Int64($0) }, oneTimeCodes: oneTime)
        version = Int64(row[13] ?? "0") ?? 0
        updatedBy = row[14] ?? ""
    }

    /// The values of `columns` 1 to 13 as parameters $2 to $14.
    static func parameters(_ factor: SharedSecondFactor) -> [String?] {
        [
            "\\x" + Hex.encode(factor.fingerprint), "\\x" + Hex.encode(factor.sealedSecret), factor.algorithm,
            String(factor.digits), String(factor.period), factor.lastStep.map { String($0) },
            factor.enrolledAt.map { String($0) }, factor.reenrollRequired ? "true" : "false",
            factor.resetAt.map { String($0) }, factor.resetBy,
            factor.backupCodes.map { Hex.encode($0.salt) + ":" + Hex.encode($0.hash) }.joined(separator: "\n"),
            factor.codesAt.map { String($0) },
            factor.oneTimeCodes.map {
                [
                    $0.purpose, Hex.encode($0.salt), Hex.encode($0.hash), String($0.createdAt), String($0.expiresAt),
                    String($0.tries), $0.usedAt.map { String($0) } ?? "",
                ].joined(separator: ":")
            }.joined(separator: "\n"),
        ]
    }

    private static func oneTimeCodes(_ text: String) -> [SharedOneTimeCode]? {
        var codes: [SharedOneTimeCode] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", omittingEmptySubsequences: false).map { String($0) }
            guard parts.count == 7, let salt = Hex.decode(parts[1]), let hash = Hex.decode(parts[2]),
                let created = Int64(parts[3]), let expires = Int64(parts[4]), let tries = Int(parts[5])
            else { return nil }
            codes.append(
                SharedOneTimeCode(
                    purpose: parts[0], salt: salt, hash: hash, createdAt: created, expiresAt: expires, tries: tries,
                    usedAt: Int64(parts[6])))
        }
        return codes
    }

    /// bytea in PostgreSQL's hex output form.
    private static func bytes(_ text: String?) -> [UInt8]? {
        guard let text, text.hasPrefix("\\x") else { return nil }
        return Hex.decode(String(text.dropFirst(2)))
    }

    private static func codes(_ text: String) -> [SharedBackupCode]? {
        var codes: [SharedBackupCode] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":")
            guard parts.count == 2, let salt = Hex.decode(String(parts[0])), let hash = Hex.decode(String(parts[1]))
            else { return nil }
            codes.append(SharedBackupCode(salt: salt, hash: hash))
        }
        return codes
    }
}
