internal import CCrypto
public import LockwardenTOTP

/// HMAC from OpenSSL's libcrypto: no hand-written hash code in the project.
public struct OpenSSLHMAC: HMACProvider, Sendable {
    public init() {}

    public func hmac(_ algorithm: OTPAlgorithm, key: [UInt8], message: [UInt8]) -> [UInt8]? {
        guard let digest = messageDigest(algorithm), key.count <= Int(Int32.max) else { return nil }
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = key.withUnsafeBytes { keyBytes in
            message.withUnsafeBytes { messageBytes in
                output.withUnsafeMutableBufferPointer { buffer in
                    HMAC(
                        digest, keyBytes.baseAddress, Int32(keyBytes.count),
                        messageBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), messageBytes.count,
                        buffer.baseAddress, &length)
                }
            }
        }
        guard result != nil, Int(length) <= output.count else { return nil }
        return Array(output.prefix(Int(length)))
    }

    private func messageDigest(_ algorithm: OTPAlgorithm) -> OpaquePointer? {
        switch algorithm {
        case .sha1: return EVP_sha1()
        case .sha256: return EVP_sha256()
        case .sha512: return EVP_sha512()
        }
    }
}
