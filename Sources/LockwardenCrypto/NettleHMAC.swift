public import LockwardenTOTP

/// HMAC-SHA1, -SHA256 and -SHA512 for TOTP, from Nettle.
public struct NettleHMAC: HMACProvider, Sendable {
    public init() {}

    public func hmac(_ algorithm: OTPAlgorithm, key: [UInt8], message: [UInt8]) -> [UInt8]? {
        Hashing.hmac(algorithm, key: key, message: message)
    }
}
