// swift-tools-version:6.1
import PackageDescription

// Layers (see README "Architecture"):
//   LockwardenPolicy  pure decisions, config, escaping; knows nothing of PAM or SQLite
//   LockwardenTOTP    pure RFC 4226/6238 codes, base32, otpauth URIs, backup-code format
//   LockwardenCrypto  SHA-1/SHA-2, HMAC and PBKDF2 from Nettle, randomness
//   LockwardenQR      enrollment QR codes as text (libqrencode)
//   LockwardenStore   the only code that talks to SQLite (CStore: its VFS and busy wait, in C)
//   LockwardenSystem  thin Glibc layer: accounts, groups, files, clock
//   LockwardenEngine  one PAM call end to end, on top of the three above
//   LockwardenCore    the only code that exports C functions (lockwarden_core.h)
//   LockwardenFleet   the fleet agent: the outbox to PostgreSQL (libpq), the fleet back to SQLite
//   lockwarden        the admin CLI, reusing Store, Policy and System

// Fuzzing builds (see Fuzz/README.md) add libFuzzer targets; normal builds never see them.
let fuzzing = Context.environment["LOCKWARDEN_FUZZ"] == "1"

let package = Package(
    name: "Lockwarden",
    products: [
        .executable(name: "lockwarden", targets: ["LockwardenCLI"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        .systemLibrary(name: "CSQLite", path: "CModules/CSQLite"),
        // OpenSSL's libcrypto: only the oracle of LockwardenCryptoTests, never linked into the core.
        .systemLibrary(name: "CCrypto", path: "CModules/CCrypto"),
        .systemLibrary(name: "CRandom", path: "CModules/CRandom"),
        .systemLibrary(name: "CLibc", path: "CModules/CLibc"),
        .systemLibrary(name: "CNettle", path: "CModules/CNettle"),
        .systemLibrary(name: "CQRencode", path: "CModules/CQRencode"),
        // libpq: the fleet agent's PostgreSQL client, in the CLI only.
        .systemLibrary(name: "CPostgres", path: "CModules/CPostgres"),
        .systemLibrary(name: "CNettleSeal", path: "CModules/CNettleSeal"),
        .target(name: "CLockwardenContract", path: "Sources/CLockwardenContract"),
        // The state database's C parts: its VFS (SQLite's own, minus a directory sync per
        // connection) and a busy wait that polls every 0.25 to 5 ms.
        // The same warnings as the embedded build of these files (scripts/build-core.sh), as errors.
        .target(
            name: "CStore", dependencies: ["CSQLite"],
            cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE"])]),
        .target(name: "LockwardenPolicy"),
        .target(name: "LockwardenTOTP", dependencies: ["CLibc"]),
        .target(name: "LockwardenCrypto", dependencies: ["CNettle", "CRandom", "LockwardenTOTP"]),
        .target(name: "LockwardenQR", dependencies: ["CQRencode"]),
        .target(name: "LockwardenSystem", dependencies: ["CLibc"]),
        .target(
            name: "LockwardenStore",
            dependencies: [
                "CLibc", "CSQLite", "CStore", "LockwardenPolicy", "LockwardenSystem", "LockwardenTOTP",
            ]),
        .target(
            name: "LockwardenEngine",
            dependencies: [
                "CLibc", "CLockwardenContract", "LockwardenPolicy", "LockwardenStore", "LockwardenSystem",
                "LockwardenTOTP", "LockwardenCrypto",
                "LockwardenQR",
            ]),
        // The fleet agent (normal Swift only): pushes the fleet outbox to PostgreSQL and writes
        // the fleet's changes back through the engine.
        .target(
            name: "LockwardenFleet",
            dependencies: [
                "CPostgres", "CNettleSeal", "LockwardenPolicy", "LockwardenStore", "LockwardenSystem",
                "LockwardenEngine",
                "LockwardenCrypto", "LockwardenTOTP",
            ]),
        // The shipped core is this target built in Embedded Swift by scripts/build-core.sh; SwiftPM
        // builds it in normal mode only for the contract fuzzer.
        .target(name: "LockwardenCore", dependencies: ["CLockwardenContract", "LockwardenEngine"]),
        .executableTarget(
            name: "LockwardenCLI",
            dependencies: [
                "LockwardenPolicy", "LockwardenStore", "LockwardenSystem", "LockwardenEngine", "LockwardenTOTP",
                "LockwardenCrypto", "LockwardenQR", "LockwardenFleet",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Release builds link the Swift runtime statically with SwiftPM's own
            // --static-swift-stdlib (see Makefile), which also brings in what
            // ArgumentParser's FoundationEssentials needs.
        ),
        .testTarget(name: "LockwardenPolicyTests", dependencies: ["LockwardenPolicy"]),
        // The CLI's own decisions (who is acting) with injected facts.
        .testTarget(
            name: "LockwardenCLITests", dependencies: ["LockwardenCLI", "LockwardenPolicy", "LockwardenSystem"]),
        .testTarget(name: "LockwardenTOTPTests", dependencies: ["LockwardenTOTP", "LockwardenCrypto"]),
        .testTarget(name: "LockwardenCryptoTests", dependencies: ["LockwardenCrypto", "LockwardenTOTP", "CCrypto"]),
        .testTarget(
            name: "LockwardenStoreTests", dependencies: ["LockwardenStore", "LockwardenPolicy", "LockwardenSystem"]),
        .testTarget(
            name: "LockwardenEngineTests",
            dependencies: [
                "LockwardenEngine", "LockwardenStore", "LockwardenPolicy", "LockwardenSystem", "LockwardenTOTP",
                "LockwardenCrypto", "LockwardenTOTP",
            ]),
    ]
)

if fuzzing {
    // Each target defines LLVMFuzzerTestOneInput; libFuzzer supplies main. Build with
    // LOCKWARDEN_FUZZ=1 swift build --sanitize=fuzzer --sanitize=address (Fuzz/run-short.sh).
    package.targets += [
        .target(name: "FuzzSupport", path: "Fuzz/Support"),
        .executableTarget(
            name: "fuzz-config", dependencies: ["FuzzSupport", "LockwardenPolicy"], path: "Fuzz/Targets/Config"),
        .executableTarget(
            name: "fuzz-contract",
            dependencies: [
                "FuzzSupport", "CLockwardenContract", "LockwardenCore", "LockwardenStore", "LockwardenSystem",
                "LockwardenTOTP", "LockwardenCrypto",
            ],
            path: "Fuzz/Targets/Contract"),
        .executableTarget(
            name: "fuzz-totp", dependencies: ["FuzzSupport", "LockwardenTOTP", "LockwardenCrypto"],
            path: "Fuzz/Targets/TOTP"),
        .executableTarget(
            name: "fuzz-mail", dependencies: ["FuzzSupport", "LockwardenPolicy"], path: "Fuzz/Targets/Mail"),
    ]
}
