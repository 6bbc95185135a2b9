import CNettleSeal
import LockwardenCrypto
import LockwardenTOTP

/// The fleet key: 32 random bytes in a root-only file on every host, never in the fleet
/// database. TOTP secrets reach the database only sealed with it (AES-256-GCM, with the account
/// name as associated data, so a sealed secret cannot be moved to another account).
public struct FleetKey {
    let bytes: [UInt8]
    /// Version byte, then nonce, ciphertext and tag.
    static let format: UInt8 = 1

    /// From the file's text: 64 hexadecimal digits (surrounding white space ignored).
    public init?(text: String) {
        let digits = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
        guard digits.count == 1, let bytes = Hex.decode(String(digits[0])), bytes.count == Int(LW_SEAL_KEY_SIZE)
        else { return nil }
        self.bytes = bytes
    }

    /// A new key as the file holds it; nil if the kernel supplied no random bytes.
    public static func generate() -> String? {
        RandomBytes.make(Int(LW_SEAL_KEY_SIZE)).map { Hex.encode($0) + "\n" }
    }

    public func seal(_ secret: [UInt8], account: String) -> [UInt8]? {
        guard let nonce = RandomBytes.make(Int(LW_SEAL_NONCE_SIZE)) else { return nil }
        let data = Self.associatedData(account)
        var out = [UInt8](repeating: 0, count: secret.count)
        var tag = [UInt8](repeating: 0, count: Int(LW_SEAL_TAG_SIZE))
        lw_seal(bytes, nonce, data, data.count, secret, secret.count, &out, &tag)
        return [Self.format] + nonce + out + tag
    }

    /// Nil if the sealed bytes were not made with this key for this account.
    public func open(_ sealed: [UInt8], account: String) -> [UInt8]? {
        let nonceSize = Int(LW_SEAL_NONCE_SIZE)
        let tagSize = Int(LW_SEAL_TAG_SIZE)
        guard sealed.count > 1 + nonceSize + tagSize, sealed[0] == Self.format else { return nil }
        let nonce = Array(sealed[1..<(1 + nonceSize)])
        let body = Array(sealed[(1 + nonceSize)..<(sealed.count - tagSize)])
        let tag = Array(sealed[(sealed.count - tagSize)...])
        let data = Self.associatedData(account)
        var out = [UInt8](repeating: 0, count: body.count)
        guard lw_open(bytes, nonce, data, data.count, body, body.count, tag, &out) == 0 else {
            SecretBytes.wipe(&out)
            return nil
        }
        return out
    }

    private static func associatedData(_ account: String) -> [UInt8] {
        Array("lockwarden fleet second factor v1\u{0}".utf8) + Array(account.utf8)
    }
}

/// Lower-case hexadecimal, as the key file and PostgreSQL's bytea text form use.
enum Hex {
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var index = 0
        while index < chars.count {
            guard let high = nibble(chars[index]), let low = nibble(chars[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func nibble(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return char - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return char - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
