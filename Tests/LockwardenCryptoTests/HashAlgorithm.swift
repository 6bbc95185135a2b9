@testable import LockwardenCrypto
import LockwardenTOTP

/// The three hashes, each reachable through the Nettle-backed code under test.
enum HashAlgorithm: CaseIterable, CustomStringConvertible {
    case sha1, sha256, sha512

    var description: String {
        switch self {
        case .sha1: return "SHA-1"
        case .sha256: return "SHA-256"
        case .sha512: return "SHA-512"
        }
    }

    /// The same hash as TOTP names it, for the Nettle-backed code under test.
    var algorithm: OTPAlgorithm {
        switch self {
        case .sha1: return .sha1
        case .sha256: return .sha256
        case .sha512: return .sha512
        }
    }

    func digest(_ message: [UInt8]) -> [UInt8] { Hashing.digest(algorithm, message) }

    /// The digest of `message` fed in pieces, cut at `cuts` (ascending offsets).
    func digest(_ message: [UInt8], cuts: [Int]) -> [UInt8] {
        var stream = Hashing.Stream(algorithm)
        var start = 0
        for end in cuts + [message.count] where end >= start && end <= message.count {
            stream.update(Array(message[start..<end]))
            start = end
        }
        return stream.finish()
    }

    func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] { Hashing.hmac(algorithm, key: key, message: message) }

    func pbkdf2(password: [UInt8], salt: [UInt8], iterations: Int, length: Int) -> [UInt8]? {
        Hashing.pbkdf2(algorithm, password: password, salt: salt, iterations: iterations, length: length)
    }
}
