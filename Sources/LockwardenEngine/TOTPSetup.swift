import LockwardenPolicy
import LockwardenSystem
import LockwardenTOTP

/// Turns the configuration's TOTP keys into the values enrollment and checks use.
public enum TOTPSetup {
    public static func settings(_ config: LockwardenConfig) -> TOTPSettings {
        let algorithm: OTPAlgorithm
        switch config.totpHash {
        case .sha1: algorithm = .sha1
        case .sha256: algorithm = .sha256
        case .sha512: algorithm = .sha512
        }
        return TOTPSettings(
            algorithm: algorithm, digits: config.totpDigits, period: config.totpPeriod,
            window: config.totpWindow)
    }

    public static func issuer(_ config: LockwardenConfig) -> String {
        config.totpIssuer.isEmpty ? "Lockwarden on \(HostName.current())" : config.totpIssuer
    }

    /// The otpauth:// URI for a user's secret.
    public static func uri(_ config: LockwardenConfig, user: String, secret: [UInt8], settings: TOTPSettings) -> String
    {
        OTPAuthURI.make(issuer: issuer(config), account: user, secret: secret, settings: settings)
    }
}
