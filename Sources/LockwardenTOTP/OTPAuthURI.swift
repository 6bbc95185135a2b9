/// The `otpauth://totp/...` URI authenticator apps scan (Key Uri Format).
public enum OTPAuthURI {
    public static func make(issuer: String, account: String, secret: [UInt8], settings: TOTPSettings) -> String {
        let label = percentEncode(issuer) + ":" + percentEncode(account)
        return "otpauth://totp/\(label)?secret=\(Base32.encode(secret))&issuer=\(percentEncode(issuer))"
            + "&algorithm=\(settings.algorithm.rawValue)&digits=\(settings.digits)&period=\(settings.period)"
    }

    /// RFC 3986: everything but unreserved characters is %XX-encoded.
    static func percentEncode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                output += "%" + (hex.count < 2 ? "0" + hex : hex)
            }
        }
        return output
    }
}
