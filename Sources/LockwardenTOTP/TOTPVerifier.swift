/// How codes are made and checked; every field is a configuration key.
public struct TOTPSettings: Equatable, Sendable {
    public var algorithm: OTPAlgorithm = .sha1
    public var digits: Int = 6
    public var period: Int64 = 30
    /// Steps accepted either side of the current one (clock drift).
    public var window: Int = 1

    public init(algorithm: OTPAlgorithm = .sha1, digits: Int = 6, period: Int64 = 30, window: Int = 1) {
        self.algorithm = algorithm
        self.digits = digits
        self.period = period
        self.window = window
    }
}

/// The outcome of checking one code.
public enum TOTPCheck: Equatable, Sendable {
    /// Right code for this time step; store the step so it is never accepted again.
    case accepted(step: UInt64)
    case wrong
    /// Right code, but for a step at or before one already used.
    case replayed
    /// Not exactly `digits` ASCII digits.
    case malformed
}

public enum TOTPVerifier {
    /// Checks a code against the steps around `now`. Pure: time and HMAC come from outside.
    public static func verify<Provider: HMACProvider>(
        code: [UInt8], secret: [UInt8], settings: TOTPSettings, now: Int64, lastAcceptedStep: UInt64?,
        using provider: Provider
    ) -> TOTPCheck {
        guard code.count == settings.digits, code.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return .malformed }
        guard let current = OTP.timeStep(at: now, period: settings.period) else { return .wrong }
        var matched: UInt64?
        let window = UInt64(clamping: max(0, min(settings.window, 10)))
        let first = current >= window ? current - window : 0
        let (last, overflow) = current.addingReportingOverflow(window)
        // Every candidate is computed and compared, so timing does not tell which step matched.
        for step in first...(overflow ? UInt64.max : last) {
            guard
                let expected = OTP.hotp(
                    secret: secret, counter: step, digits: settings.digits, algorithm: settings.algorithm,
                    using: provider)
            else { return .wrong }
            if constantTimeEqual(Array(expected.utf8), code) && matched == nil { matched = step }
        }
        guard let step = matched else { return .wrong }
        if let used = lastAcceptedStep, step <= used { return .replayed }
        return .accepted(step: step)
    }

    /// The code for a time, e.g. for enrollment checks and tests.
    public static func code<Provider: HMACProvider>(
        secret: [UInt8], settings: TOTPSettings, at time: Int64, using provider: Provider
    ) -> String? {
        guard let step = OTP.timeStep(at: time, period: settings.period) else { return nil }
        return OTP.hotp(
            secret: secret, counter: step, digits: settings.digits, algorithm: settings.algorithm, using: provider)
    }
}

/// Compares without an early exit; lengths are not secret.
public func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
    guard left.count == right.count else { return false }
    var difference: UInt8 = 0
    for (a, b) in zip(left, right) { difference |= a ^ b }
    return difference == 0
}
