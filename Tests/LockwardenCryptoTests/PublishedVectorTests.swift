import Testing

@testable import LockwardenCrypto
import LockwardenTOTP

/// FIPS 180 examples (FIPS 180-2 appendices, NIST's SHA examples): "abc", the 448-bit and
/// 896-bit messages, and one million 'a'.
private let abc = Array("abc".utf8)
private let bits448 = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
private let bits896 = Array(
    ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
        + "mnopqrstnopqrstu").utf8)
private let millionA = [UInt8](repeating: 0x61, count: 1_000_000)

@Suite("Published hash, HMAC and PBKDF2 vectors")
struct PublishedVectorTests {
    @Test("SHA-1: FIPS 180 examples")
    func sha1() {
        #expect(Hashing.digest(.sha1, abc) == hex("a9993e36 4706816a ba3e2571 7850c26c 9cd0d89d"))
        #expect(Hashing.digest(.sha1, bits448) == hex("84983e44 1c3bd26e baae4aa1 f95129e5 e54670f1"))
        #expect(Hashing.digest(.sha1, bits896) == hex("a49b2446 a02c645b f419f995 b6709125 3a04a259"))
        #expect(Hashing.digest(.sha1, millionA) == hex("34aa973c d4c4daa4 f61eeb2b dbad2731 6534016f"))
        #expect(Hashing.digest(.sha1, []) == hex("da39a3ee 5e6b4b0d 3255bfef 95601890 afd80709"))
    }

    @Test("SHA-256: FIPS 180 examples")
    func sha256() {
        #expect(
            Hashing.digest(.sha256, abc)
                == hex("ba7816bf 8f01cfea 414140de 5dae2223 b00361a3 96177a9c b410ff61 f20015ad"))
        #expect(
            Hashing.digest(.sha256, bits448)
                == hex("248d6a61 d20638b8 e5c02693 0c3e6039 a33ce459 64ff2167 f6ecedd4 19db06c1"))
        #expect(
            Hashing.digest(.sha256, bits896)
                == hex("cf5b16a7 78af8380 036ce59e 7b049237 0b249b11 e8f07a51 afac4503 7afee9d1"))
        #expect(
            Hashing.digest(.sha256, millionA)
                == hex("cdc76e5c 9914fb92 81a1c7e2 84d73e67 f1809a48 a497200e 046d39cc c7112cd0"))
        #expect(
            Hashing.digest(.sha256, [])
                == hex("e3b0c442 98fc1c14 9afbf4c8 996fb924 27ae41e4 649b934c a495991b 7852b855"))
    }

    @Test("SHA-512: FIPS 180 examples")
    func sha512() {
        #expect(
            Hashing.digest(.sha512, abc)
                == hex(
                    "ddaf35a193617aba cc417349ae204131 12e6fa4e89a97ea2 0a9eeee64b55d39a"
                        + "2192992a274fc1a8 36ba3c23a3feebbd 454d4423643ce80e 2a9ac94fa54ca49f"))
        #expect(
            Hashing.digest(.sha512, bits448)
                == hex(
                    "204a8fc6dda82f0a 0ced7beb8e08a416 57c16ef468b228a8 279be331a703c335"
                        + "96fd15c13b1b07f9 aa1d3bea57789ca0 31ad85c7a71dd703 54ec631238ca3445"))
        #expect(
            Hashing.digest(.sha512, bits896)
                == hex(
                    "8e959b75dae313da 8cf4f72814fc143f 8f7779c6eb9f7fa1 7299aeadb6889018"
                        + "501d289e4900f7e4 331b99dec4b5433a c7d329eeb6dd2654 5e96e55b874be909"))
        #expect(
            Hashing.digest(.sha512, millionA)
                == hex(
                    "e718483d0ce76964 4e2e42c7bc15b463 8e1f98b13b204428 5632a803afa973eb"
                        + "de0ff244877ea60a 4cb0432ce577c31b eb009c5c2c49aa2e 4eadb217ad8cc09b"))
    }

    /// RFC 2202 §3, all seven cases (case 5's full MAC; the RFC also shows it cut to 96 bits).
    @Test("HMAC-SHA1: RFC 2202")
    func rfc2202() {
        let cases: [(key: [UInt8], data: [UInt8], mac: String)] = [
            ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8), "b617318655057264e28bc0b6fb378c8ef146be00"),
            (
                Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
                "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
            ),
            (
                [UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
                "125d7342b9ac11cd91a39af48aa17b4f63f175d3"
            ),
            (Array(1...25), [UInt8](repeating: 0xcd, count: 50), "4c9007f4026250c6bc8414f9bf50c86c2d7235da"),
            (
                [UInt8](repeating: 0x0c, count: 20), Array("Test With Truncation".utf8),
                "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"
            ),
            (
                [UInt8](repeating: 0xaa, count: 80),
                Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                "aa4ae5e15272d00e95705637ce8a3b55ed402112"
            ),
            (
                [UInt8](repeating: 0xaa, count: 80),
                Array("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data".utf8),
                "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"
            ),
        ]
        for (index, test) in cases.enumerated() {
            #expect(NettleHMAC().hmac(.sha1, key: test.key, message: test.data) == hex(test.mac), "case \(index + 1)")
        }
        #expect(
            Hashing.hmac(.sha1, key: cases[4].key, message: cases[4].data).prefix(12)
                == hex("4c1a03424b55e07fe7f27be1")[...])
    }

    /// RFC 4231 §4, all seven cases; case 5 compares the 128 bits the RFC gives.
    @Test("HMAC-SHA256 and HMAC-SHA512: RFC 4231")
    func rfc4231() {
        let longKey = [UInt8](repeating: 0xaa, count: 131)
        let cases: [(key: [UInt8], data: [UInt8], sha256: String, sha512: String)] = [
            (
                [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
                "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
                    + "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"
            ),
            (
                Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
                    + "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
            ),
            (
                [UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
                "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
                "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
                    + "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"
            ),
            (
                Array(1...25), [UInt8](repeating: 0xcd, count: 50),
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
                "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
                    + "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"
            ),
            (
                [UInt8](repeating: 0x0c, count: 20), Array("Test With Truncation".utf8),
                "a3b6167473100ee06e0c796c2955552b", "415fad6271580a531d4179bc891d87a6"
            ),
            (
                longKey, Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
                "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
                    + "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"
            ),
            (
                longKey,
                Array(
                    ("This is a test using a larger than block-size key and a larger than block-size data. The key needs "
                        + "to be hashed before being used by the HMAC algorithm.").utf8),
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
                "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
                    + "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"
            ),
        ]
        for (index, test) in cases.enumerated() {
            let expected256 = hex(test.sha256)
            let expected512 = hex(test.sha512)
            let mac256 = NettleHMAC().hmac(.sha256, key: test.key, message: test.data) ?? []
            let mac512 = NettleHMAC().hmac(.sha512, key: test.key, message: test.data) ?? []
            #expect(mac256.count == 32 && mac256.prefix(expected256.count) == expected256[...], "case \(index + 1)")
            #expect(mac512.count == 64 && mac512.prefix(expected512.count) == expected512[...], "case \(index + 1)")
        }
    }

    /// RFC 7914 §11: the two PBKDF2-HMAC-SHA256 vectors (64-byte output, so two blocks).
    @Test(
        "PBKDF2-HMAC-SHA256: RFC 7914 §11",
        arguments: [
            (
                "passwd", "salt", 1,
                "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                    + "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"
            ),
            (
                "Password", "NaCl", 80_000,
                "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
                    + "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"
            ),
        ])
    func rfc7914(_ password: String, _ salt: String, _ iterations: Int, _ expected: String) {
        let derived = Hashing.pbkdf2(
            .sha256, password: Array(password.utf8), salt: Array(salt.utf8), iterations: iterations, length: 64)
        #expect(derived == hex(expected))
    }
}
