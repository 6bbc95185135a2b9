/// Backup codes: 10 characters of base32 (50 bits), shown as XXXXX-XXXXX.
public enum BackupCodeFormat {
    public static let count = 10
    public static let length = 10
    public static let randomBytesPerCode = 7

    /// A display code from random bytes (at least `randomBytesPerCode` of them).
    public static func make(from random: [UInt8]) -> String? {
        guard random.count >= randomBytesPerCode else { return nil }
        let symbols = Array(Base32.encode(Array(random.prefix(randomBytesPerCode))).utf8.prefix(length))
        guard symbols.count == length else { return nil }
        return String(decoding: symbols.prefix(5), as: UTF8.self) + "-"
            + String(decoding: symbols.suffix(5), as: UTF8.self)
    }

    /// What a user typed, reduced to the canonical 10 upper-case symbols; nil if it cannot be a code.
    /// Whether the typed bytes have the shape of a backup code; keeps no copy of them.
    public static func isWellFormed(_ typed: [UInt8]) -> Bool {
        guard var symbols = normalize(typed) else { return false }
        SecretBytes.wipe(&symbols)
        return true
    }

    public static func normalize(_ typed: [UInt8]) -> [UInt8]? {
        guard typed.count <= 32 else { return nil }
        // One allocation, wiped unless it is returned: no partial copies of the code are left.
        var symbols: [UInt8] = []
        symbols.reserveCapacity(32)
        for byte in typed where byte != UInt8(ascii: "-") && byte != UInt8(ascii: " ") {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): symbols.append(byte - 32)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "2")...UInt8(ascii: "7"): symbols.append(byte)
            default:
                SecretBytes.wipe(&symbols)
                return nil
            }
        }
        guard symbols.count == length else {
            SecretBytes.wipe(&symbols)
            return nil
        }
        return symbols
    }
}
