/// The HMAC algorithms RFC 6238 allows.
public enum OTPAlgorithm: String, CaseIterable, Sendable {
    case sha1 = "SHA1"
    case sha256 = "SHA256"
    case sha512 = "SHA512"
}

/// Computes HMAC(key, message); supplied from outside so this module stays pure.
public protocol HMACProvider {
    func hmac(_ algorithm: OTPAlgorithm, key: [UInt8], message: [UInt8]) -> [UInt8]?
}

/// RFC 4226 HOTP and RFC 6238 TOTP code generation.
public enum OTP {
    /// The counter as 8 big-endian bytes.
    static func counterBytes(_ counter: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: counter >> UInt64(56 - 8 * $0)) }
    }

    /// RFC 4226 section 5.3 dynamic truncation of an HMAC to `digits` decimal digits.
    public static func truncate(_ mac: [UInt8], digits: Int) -> String? {
        guard mac.count >= 20, digits >= 6, digits <= 9, let last = mac.last else { return nil }
        let offset = Int(last & 0x0F)
        guard offset + 3 < mac.count else { return nil }
        let slice = mac[offset..<(offset + 4)]
        var binary: UInt32 = 0
        for byte in slice { binary = (binary << 8) | UInt32(byte) }
        binary &= 0x7FFF_FFFF
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus = modulus &* 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: max(0, digits - value.count)) + value
    }

    public static func hotp<Provider: HMACProvider>(
        secret: [UInt8], counter: UInt64, digits: Int, algorithm: OTPAlgorithm, using provider: Provider
    ) -> String? {
        guard let mac = provider.hmac(algorithm, key: secret, message: counterBytes(counter)) else { return nil }
        return truncate(mac, digits: digits)
    }

    /// The RFC 6238 time step for a Unix time (T0 = 0); nil before the epoch.
    public static func timeStep(at time: Int64, period: Int64) -> UInt64? {
        guard time >= 0, period > 0 else { return nil }
        return UInt64(time / period)
    }
}
