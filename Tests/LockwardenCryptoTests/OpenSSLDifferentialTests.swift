import Testing

/// The Swift code against OpenSSL's libcrypto over many lengths: every padding case of both
/// block sizes (message lengths 0...300 cross the 55/56, 111/112 and block boundaries
/// several times) and keys shorter than, equal to and longer than a block.
@Suite("Hashes, HMACs and PBKDF2 agree with OpenSSL")
struct OpenSSLDifferentialTests {
    @Test("digests of 0...300 bytes, and of longer messages", arguments: HashAlgorithm.allCases)
    func digests(_ algorithm: HashAlgorithm) {
        var bytes = TestBytes(seed: 1)
        for length in Array(0...300) + [511, 512, 513, 1_000, 4_099] {
            let message = bytes.next(length)
            #expect(algorithm.digest(message) == OpenSSLOracle.digest(algorithm, message), "\(length) bytes")
        }
    }

    @Test("digests of messages fed in pieces", arguments: HashAlgorithm.allCases)
    func pieces(_ algorithm: HashAlgorithm) {
        var bytes = TestBytes(seed: 2)
        for length in 0...300 {
            let message = bytes.next(length)
            let expected = OpenSSLOracle.digest(algorithm, message)
            for cuts in [[0], [1], [length / 2], [length / 3, 2 * length / 3], [63, 64], [64, 128], [1, 130, 131]] {
                #expect(algorithm.digest(message, cuts: cuts) == expected, "\(length) bytes cut at \(cuts)")
            }
        }
    }

    @Test("HMAC with keys of 0...300 bytes", arguments: HashAlgorithm.allCases)
    func hmacKeys(_ algorithm: HashAlgorithm) {
        var bytes = TestBytes(seed: 3)
        for length in 0...300 {
            let key = bytes.next(length)
            let message = bytes.next(length * 7 % 301)
            #expect(
                algorithm.hmac(key: key, message: message) == OpenSSLOracle.hmac(algorithm, key: key, message: message),
                "\(length)-byte key, \(message.count)-byte message")
        }
    }

    @Test("HMAC of messages of 0...300 bytes", arguments: HashAlgorithm.allCases)
    func hmacMessages(_ algorithm: HashAlgorithm) {
        var bytes = TestBytes(seed: 4)
        for keyLength in [0, 1, 20, 32, 63, 64, 65, 127, 128, 129, 200] {
            let key = bytes.next(keyLength)
            for length in 0...300 {
                let message = bytes.next(length)
                #expect(
                    algorithm.hmac(key: key, message: message)
                        == OpenSSLOracle.hmac(algorithm, key: key, message: message),
                    "\(keyLength)-byte key, \(length)-byte message")
            }
        }
    }

    @Test("PBKDF2 over passwords, salts, counts and output lengths", arguments: HashAlgorithm.allCases)
    func pbkdf2(_ algorithm: HashAlgorithm) {
        var bytes = TestBytes(seed: 5)
        let outputLengths = [1, 16, 20, 32, 33, 64, 65, 100, 129]
        var round = 0
        for passwordLength in [0, 1, 10, 20, 63, 64, 65, 128, 129, 300] {
            for saltLength in [0, 1, 16, 59, 60, 64, 100, 200] {
                round += 1
                let password = bytes.next(passwordLength)
                let salt = bytes.next(saltLength)
                let iterations = 1 + round % 4
                let length = outputLengths[round % outputLengths.count]
                #expect(
                    algorithm.pbkdf2(password: password, salt: salt, iterations: iterations, length: length)
                        == OpenSSLOracle.pbkdf2(
                            algorithm, password: password, salt: salt, iterations: iterations, length: length),
                    "\(passwordLength)-byte password, \(saltLength)-byte salt, c=\(iterations), dkLen=\(length)")
            }
        }
        let password = bytes.next(12)
        let salt = bytes.next(16)
        #expect(
            algorithm.pbkdf2(password: password, salt: salt, iterations: 1_000, length: 40)
                == OpenSSLOracle.pbkdf2(algorithm, password: password, salt: salt, iterations: 1_000, length: 40))
    }
}
