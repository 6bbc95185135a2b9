// Compiled into every module of the embedded core, and only there (scripts/build-core.sh).
// Embedded Swift interpolates a value without a description as "(cannot print value in embedded
// Swift)", silently. This overload shadows the standard library's unconstrained one, so any such
// interpolation is a deprecation warning, which the build turns into an error; types that are
// CustomStringConvertible still take the standard, constrained overload.
extension DefaultStringInterpolation {
    @available(*, deprecated, message: "give this type a description: Embedded Swift cannot print it")
    mutating func appendInterpolation<T>(_ value: T) { appendLiteral("?") }
}
