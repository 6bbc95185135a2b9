public import LockwardenTOTP

/// HMAC-SHA1, -SHA256 and -SHA512 for TOTP, from this module's own hash code: a login
/// process loads and initialises no crypto library for the few blocks a code needs.
public struct SoftwareHMAC: HMACProvider, Sendable {
    public init() {}

    public func hmac(_ algorithm: OTPAlgorithm, key: [UInt8], message: [UInt8]) -> [UInt8]? {
        switch algorithm {
        case .sha1: return HMACKey<SHA1>(key).mac(message)
        case .sha256: return HMACKey<SHA256>(key).mac(message)
        case .sha512: return HMACKey<SHA512>(key).mac(message)
        }
    }
}
