internal import CNettle
public import LockwardenTOTP

/// SHA-1, SHA-256 and SHA-512, HMAC (RFC 2104) and PBKDF2 (RFC 8018), from Nettle. The
/// algorithm is the same enumeration TOTP names its hashes with.
public enum Hashing {
    /// Whether hashing works in this process (the login core loads libnettle on first use).
    /// The hash functions cannot report a failure: a caller checks this first and fails closed.
    public static var isAvailable: Bool { lw_nettle_available() == 1 }

    static func kind(_ algorithm: OTPAlgorithm) -> Int32 {
        switch algorithm {
        case .sha1: return Int32(LW_DIGEST_SHA1)
        case .sha256: return Int32(LW_DIGEST_SHA256)
        case .sha512: return Int32(LW_DIGEST_SHA512)
        }
    }

    /// The digest size in bytes.
    public static func size(_ algorithm: OTPAlgorithm) -> Int { lw_digest_size(kind(algorithm)) }

    public static func digest(_ algorithm: OTPAlgorithm, _ message: [UInt8]) -> [UInt8] {
        var stream = Stream(algorithm)
        stream.update(message)
        return stream.finish()
    }

    public static func hmac(_ algorithm: OTPAlgorithm, key: [UInt8], message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: size(algorithm))
        key.withUnsafeBufferPointer { keyBytes in
            message.withUnsafeBufferPointer { messageBytes in
                output.withUnsafeMutableBufferPointer { out in
                    _ = lw_hmac(
                        kind(algorithm), keyBytes.baseAddress, keyBytes.count, messageBytes.baseAddress,
                        messageBytes.count, out.baseAddress)
                }
            }
        }
        return output
    }

    /// nil for a count below 1 or a length beyond what any caller needs.
    public static func pbkdf2(_ algorithm: OTPAlgorithm, password: [UInt8], salt: [UInt8], iterations: Int, length: Int)
        -> [UInt8]?
    {
        guard iterations >= 1, iterations <= Int(UInt32.max), (0...4_096).contains(length) else { return nil }
        guard length > 0 else { return [] }
        var output = [UInt8](repeating: 0, count: length)
        let status = password.withUnsafeBufferPointer { passwordBytes in
            salt.withUnsafeBufferPointer { saltBytes in
                output.withUnsafeMutableBufferPointer { out in
                    lw_pbkdf2(
                        kind(algorithm), passwordBytes.baseAddress, passwordBytes.count, UInt32(iterations),
                        saltBytes.baseAddress, saltBytes.count, out.count, out.baseAddress)
                }
            }
        }
        return status == 0 ? output : nil
    }

    /// A digest fed in pieces.
    public struct Stream {
        private var context = lw_hash_ctx()
        private let algorithm: OTPAlgorithm

        public init(_ algorithm: OTPAlgorithm) {
            self.algorithm = algorithm
            _ = lw_hash_init(&context, Hashing.kind(algorithm))
        }

        public mutating func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBufferPointer { lw_hash_update(&context, $0.baseAddress, $0.count) }
        }

        public mutating func finish() -> [UInt8] {
            var output = [UInt8](repeating: 0, count: Hashing.size(algorithm))
            output.withUnsafeMutableBufferPointer { lw_hash_digest(&context, $0.baseAddress) }
            return output
        }
    }
}
