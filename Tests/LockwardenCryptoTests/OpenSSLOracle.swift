import CCrypto

/// OpenSSL's libcrypto as the reference the Swift code is compared with. Only this test
/// target links it. Buffers handed to C get one spare byte so that no pointer is ever nil,
/// even for empty keys and messages.
enum OpenSSLOracle {
    static func digest(_ algorithm: HashAlgorithm, _ message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let status = (message + [0]).withUnsafeBytes { bytes in
            EVP_Digest(bytes.baseAddress, message.count, &output, &length, algorithm.openSSL, nil)
        }
        return status == 1 ? Array(output.prefix(Int(length))) : []
    }

    static func hmac(_ algorithm: HashAlgorithm, key: [UInt8], message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = (key + [0]).withUnsafeBytes { keyBytes in
            (message + [0]).withUnsafeBufferPointer { messageBytes in
                HMAC(
                    algorithm.openSSL, keyBytes.baseAddress, Int32(key.count), messageBytes.baseAddress, message.count,
                    &output, &length)
            }
        }
        return result != nil ? Array(output.prefix(Int(length))) : []
    }

    static func pbkdf2(_ algorithm: HashAlgorithm, password: [UInt8], salt: [UInt8], iterations: Int, length: Int)
        -> [UInt8]
    {
        var output = [UInt8](repeating: 0, count: length + 1)
        let status = (password + [0]).withUnsafeBytes { passwordBytes in
            (salt + [0]).withUnsafeBufferPointer { saltBytes in
                PKCS5_PBKDF2_HMAC(
                    passwordBytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(password.count),
                    saltBytes.baseAddress, Int32(salt.count), Int32(iterations), algorithm.openSSL, Int32(length),
                    &output)
            }
        }
        return status == 1 ? Array(output.prefix(length)) : []
    }
}

extension HashAlgorithm {
    fileprivate var openSSL: OpaquePointer? {
        switch self {
        case .sha1: return EVP_sha1()
        case .sha256: return EVP_sha256()
        case .sha512: return EVP_sha512()
        }
    }
}
