@testable import LockwardenCrypto

/// The three hashes, each reachable through the Swift code under test.
enum HashAlgorithm: CaseIterable, CustomStringConvertible {
    case sha1, sha256, sha512

    var description: String {
        switch self {
        case .sha1: return "SHA-1"
        case .sha256: return "SHA-256"
        case .sha512: return "SHA-512"
        }
    }

    func digest(_ message: [UInt8]) -> [UInt8] {
        switch self {
        case .sha1: return SHA1.hash(message)
        case .sha256: return SHA256.hash(message)
        case .sha512: return SHA512.hash(message)
        }
    }

    /// The digest of `message` fed in pieces, cut at `cuts` (ascending offsets).
    func digest(_ message: [UInt8], cuts: [Int]) -> [UInt8] {
        switch self {
        case .sha1: return Self.pieces(SHA1.self, message, cuts)
        case .sha256: return Self.pieces(SHA256.self, message, cuts)
        case .sha512: return Self.pieces(SHA512.self, message, cuts)
        }
    }

    func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        switch self {
        case .sha1: return HMACKey<SHA1>(key).mac(message)
        case .sha256: return HMACKey<SHA256>(key).mac(message)
        case .sha512: return HMACKey<SHA512>(key).mac(message)
        }
    }

    func pbkdf2(password: [UInt8], salt: [UInt8], iterations: Int, length: Int) -> [UInt8]? {
        switch self {
        case .sha1:
            return SecretHash.pbkdf2(SHA1.self, password: password, salt: salt, iterations: iterations, length: length)
        case .sha256:
            return SecretHash.pbkdf2(
                SHA256.self, password: password, salt: salt, iterations: iterations, length: length)
        case .sha512:
            return SecretHash.pbkdf2(
                SHA512.self, password: password, salt: salt, iterations: iterations, length: length)
        }
    }

    private static func pieces<H: BlockHash>(_: H.Type, _ message: [UInt8], _ cuts: [Int]) -> [UInt8] {
        var stream = HashStream<H>()
        var start = 0
        for end in cuts + [message.count] where end >= start && end <= message.count {
            stream.update(Array(message[start..<end]))
            start = end
        }
        return H.digest(stream.finish())
    }
}
