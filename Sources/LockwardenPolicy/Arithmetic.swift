/// Saturating arithmetic: the core must never trap on overflow, and a clamped
/// time or count is always the safe answer.
extension Int64 {
    @inlinable public func saturatingAdd(_ other: Int64) -> Int64 {
        let (value, overflow) = addingReportingOverflow(other)
        if overflow { return other > 0 ? .max : .min }
        return value
    }

    /// `self - other`, clamped; unlike `saturatingAdd(-other)` it cannot trap on `-Int64.min`.
    @inlinable public func saturatingSubtract(_ other: Int64) -> Int64 {
        let (value, overflow) = subtractingReportingOverflow(other)
        if overflow { return other < 0 ? .max : .min }
        return value
    }

    @inlinable public func saturatingMultiply(_ other: Int64) -> Int64 {
        let (value, overflow) = multipliedReportingOverflow(by: other)
        if overflow { return (self < 0) == (other < 0) ? .max : .min }
        return value
    }
}

extension Int {
    @inlinable public func saturatingIncrement() -> Int {
        let (value, overflow) = addingReportingOverflow(1)
        return overflow ? .max : value
    }
}
