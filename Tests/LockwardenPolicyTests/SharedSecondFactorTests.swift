import Testing

@testable import LockwardenPolicy

@Suite("Shared second factors")
struct SharedSecondFactorTests {
    let t0: Int64 = 1_800_000_000

    func factor(
        _ fingerprint: UInt8, step: UInt64? = nil, enrolledAt: Int64? = nil, resetAt: Int64? = nil,
        codes: [UInt8] = [], codesAt: Int64? = nil
    ) -> SharedSecondFactor {
        SharedSecondFactor(
            fingerprint: fingerprint == 0 ? [] : [fingerprint], sealedSecret: fingerprint == 0 ? [] : [fingerprint, 9],
            algorithm: "SHA1", digits: 6, period: 30, lastStep: step, enrolledAt: enrolledAt ?? t0,
            reenrollRequired: fingerprint == 0, resetAt: resetAt, resetBy: resetAt == nil ? nil : "root",
            backupCodes: codes.map { SharedBackupCode(salt: [$0], hash: [$0, $0]) }, codesAt: codesAt)
    }

    @Test("the first push is stored as it is")
    func first() {
        let pushed = factor(1, step: 5)
        #expect(SharedSecondFactor.merged(stored: nil, pushed: pushed) == pushed)
    }

    @Test("for the same secret the replay mark only grows, whichever host pushes last")
    func replayMark() {
        let stored = factor(1, step: 60_000_010)
        #expect(SharedSecondFactor.merged(stored: stored, pushed: factor(1, step: 60_000_012)).lastStep == 60_000_012)
        #expect(SharedSecondFactor.merged(stored: stored, pushed: factor(1, step: 60_000_002)).lastStep == 60_000_010)
        #expect(SharedSecondFactor.merged(stored: stored, pushed: factor(1, step: nil)).lastStep == 60_000_010)
    }

    @Test("a backup code used on either host stays used; a newer set replaces an older one")
    func backupCodes() {
        let stored = factor(1, codes: [1, 2, 3, 4], codesAt: t0)
        // Host A used 1, host B used 4: only 2 and 3 are left.
        let afterA = SharedSecondFactor.merged(stored: stored, pushed: factor(1, codes: [2, 3, 4], codesAt: t0))
        let afterB = SharedSecondFactor.merged(stored: afterA, pushed: factor(1, codes: [1, 2, 3], codesAt: t0 + 1))
        #expect(afterB.backupCodes.map { $0.salt } == [[2], [3]])
        // The last one used on a host.
        #expect(SharedSecondFactor.merged(stored: afterB, pushed: factor(1, codes: [], codesAt: nil)).backupCodes == [])
        // Renewed on a host: a disjoint, newer set.
        let renewed = SharedSecondFactor.merged(stored: afterB, pushed: factor(1, codes: [7, 8], codesAt: t0 + 60))
        #expect(renewed.backupCodes.map { $0.salt } == [[7], [8]] && renewed.codesAt == t0 + 60)
        // A host that has not seen the renewal pushes the old set again: it changes nothing.
        #expect(SharedSecondFactor.merged(stored: renewed, pushed: factor(1, codes: [2, 3], codesAt: t0)) == renewed)
    }

    @Test("a newer enrollment or reset replaces everything; an older one is stale")
    func newerSecretWins() {
        let stored = factor(1, step: 100, codes: [1, 2], codesAt: t0)
        let enrolled = factor(2, step: 7, enrolledAt: t0 + 30, codes: [5], codesAt: t0 + 30)
        #expect(SharedSecondFactor.merged(stored: stored, pushed: enrolled) == enrolled)
        let reset = factor(0, enrolledAt: nil, resetAt: t0 + 40)
        #expect(SharedSecondFactor.merged(stored: enrolled, pushed: reset) == reset)
        // The old secret pushed by a host that missed the reset does not come back.
        #expect(SharedSecondFactor.merged(stored: reset, pushed: stored) == reset)
    }

    @Test("a factor moves to another clock with all its times, never its step")
    func shifted() {
        let moved = factor(1, step: 9, resetAt: t0, codes: [1], codesAt: t0).shifted(by: -300)
        #expect(moved.enrolledAt == t0 - 300 && moved.resetAt == t0 - 300 && moved.codesAt == t0 - 300)
        #expect(moved.lastStep == 9)
    }

    @Test("one-time codes: a newer code replaces an older one; tries add up to the most; a use anywhere counts")
    func oneTimeCodes() {
        func code(_ salt: UInt8, created: Int64, tries: Int = 0, used: Int64? = nil) -> SharedOneTimeCode {
            SharedOneTimeCode(
                purpose: "device", salt: [salt], hash: [salt], createdAt: created, expiresAt: created + 900,
                tries: tries, usedAt: used)
        }
        var stored = factor(1)
        stored.oneTimeCodes = [code(1, created: t0, tries: 2)]
        var pushed = factor(1)
        pushed.oneTimeCodes = [code(1, created: t0, tries: 1, used: t0 + 60)]
        #expect(
            SharedSecondFactor.merged(stored: stored, pushed: pushed).oneTimeCodes == [
                code(1, created: t0, tries: 2, used: t0 + 60)
            ])
        pushed.oneTimeCodes = [code(2, created: t0 + 120)]
        #expect(SharedSecondFactor.merged(stored: stored, pushed: pushed).oneTimeCodes == [code(2, created: t0 + 120)])
        pushed.oneTimeCodes = [code(3, created: t0 - 120)]
        #expect(SharedSecondFactor.merged(stored: stored, pushed: pushed).oneTimeCodes == stored.oneTimeCodes)
        // A reset that wins the secret keeps the codes merged, and a code of another purpose is added.
        var reset = factor(0, enrolledAt: nil, resetAt: t0 + 30)
        reset.oneTimeCodes = [
            SharedOneTimeCode(
                purpose: "password", salt: [9], hash: [9], createdAt: t0, expiresAt: t0 + 900, tries: 0, usedAt: nil)
        ]
        #expect(
            SharedSecondFactor.merged(stored: stored, pushed: reset).oneTimeCodes.map { $0.purpose } == [
                "device", "password",
            ])
    }
}
