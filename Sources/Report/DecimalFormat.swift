// Number formatting for CSV, SVG and reports, written by hand so that output is byte-stable:
// no locale, no Foundation formatters, the same text on every machine and every run.

/// Formats `x` with exactly `places` digits after the decimal point ("0.50", "-12.000", "7").
///
/// The value is rounded from its shortest round-trip decimal form (Swift's `description`,
/// which is exact and locale-free), half away from zero. So `2.675` becomes `"2.68"`, as a person
/// reading the number expects, even though the nearest binary double lies slightly below 2.675.
/// A result that rounds to zero never carries a minus sign. Non-finite values are written
/// `nan`, `inf` and `-inf`.
public func formatDecimal(_ x: Double, places: Int) -> String {
    precondition(places >= 0, "formatDecimal: places must be >= 0, got \(places)")
    if x.isNaN { return "nan" }
    if x.isInfinite { return x < 0 ? "-inf" : "inf" }
    let decimal = ShortestDecimal(x)
    // The value is 0.d1d2d3... × 10^exponent; keep every digit before the cut at `places`.
    var digits = decimal.digits
    let integerDigitCount = decimal.exponent        // digits left of the point (may be <= 0)
    let keep = integerDigitCount + places          // how many leading digits survive
    if keep < 0 {
        return zeroString(places: places)
    }
    var roundUp = false
    if keep < digits.count {
        roundUp = digits[keep] >= 5
        digits.removeSubrange(keep...)
    } else {
        digits.append(contentsOf: repeatElement(0, count: keep - digits.count))
    }
    var exponent = integerDigitCount
    if roundUp {
        var index = digits.count - 1
        while index >= 0 {
            if digits[index] == 9 {
                digits[index] = 0
                index -= 1
            } else {
                digits[index] += 1
                break
            }
        }
        if index < 0 {
            digits.insert(1, at: 0)
            exponent += 1
        }
    }
    // Now `digits` holds exponent + places digits (exponent may be <= 0: all fraction).
    var integerPart: [UInt8]
    var fractionPart: [UInt8]
    if exponent <= 0 {
        integerPart = [0]
        fractionPart = Array(repeating: 0, count: -exponent) + digits
    } else {
        integerPart = Array(digits.prefix(exponent))
        fractionPart = Array(digits.dropFirst(exponent))
    }
    while integerPart.count > 1 && integerPart[0] == 0 { integerPart.removeFirst() }
    precondition(fractionPart.count == places, "formatDecimal: internal digit count mismatch")
    let isZero = integerPart.allSatisfy { $0 == 0 } && fractionPart.allSatisfy { $0 == 0 }
    var text = (decimal.negative && !isZero) ? "-" : ""
    text.reserveCapacity(integerPart.count + places + 2)
    for digit in integerPart { text.unicodeScalars.append(Unicode.Scalar(48 + digit)) }
    if places > 0 {
        text.append(".")
        for digit in fractionPart { text.unicodeScalars.append(Unicode.Scalar(48 + digit)) }
    }
    return text
}

/// Formats `x` with at least `digits` significant digits and never in exponent form:
/// 2.0 → "2.0", 0.01234 → "0.012", 1534 → "1534" (digits left of the point are never dropped).
/// Used for coefficients in summaries, whose magnitude varies by orders.
public func formatSignificant(_ x: Double, digits: Int) -> String {
    precondition(digits >= 1, "formatSignificant: digits must be >= 1")
    guard x.isFinite, x != 0 else { return formatDecimal(x, places: max(0, digits - 1)) }
    let magnitude = decimalExponent(of: abs(x))     // floor(log10(|x|)), exactly
    let places = max(0, digits - 1 - magnitude)
    return formatDecimal(x, places: places)
}

/// floor(log10(x)) for a finite positive x, computed from its decimal digits (no log rounding).
func decimalExponent(of x: Double) -> Int {
    ShortestDecimal(x).exponent - 1
}

private func zeroString(places: Int) -> String {
    places == 0 ? "0" : "0." + String(repeating: "0", count: places)
}

/// The shortest decimal that round-trips to a double, as digits d1 d2 ... with value
/// 0.d1d2... × 10^exponent (d1 != 0 unless the value is zero).
struct ShortestDecimal {
    var negative: Bool
    var digits: [UInt8]
    var exponent: Int

    init(_ x: Double) {
        precondition(x.isFinite, "ShortestDecimal needs a finite value")
        // Swift's description is the shortest round-trip form, e.g. "1e-05", "2.675",
        // "1.2345678901234568e+17", "-0.0": always ASCII digits, '.', 'e', sign.
        var negative = false
        var mantissa: [UInt8] = []
        var pointPosition: Int? = nil
        var exponentPart = 0
        var exponentNegative = false
        var inExponent = false
        for byte in x.description.utf8 {
            switch byte {
            case UInt8(ascii: "-"):
                if inExponent { exponentNegative = true } else { negative = true }
            case UInt8(ascii: "+"):
                break
            case UInt8(ascii: "."):
                pointPosition = mantissa.count
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                inExponent = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if inExponent {
                    exponentPart = exponentPart * 10 + Int(byte - 48)
                } else {
                    mantissa.append(byte - 48)
                }
            default:
                preconditionFailure("unexpected character in Double.description: \(x.description)")
            }
        }
        var exponent = (pointPosition ?? mantissa.count) + (exponentNegative ? -exponentPart : exponentPart)
        // Normalise: strip leading zeros (moving the point) and trailing zeros.
        var leading = 0
        while leading < mantissa.count && mantissa[leading] == 0 { leading += 1 }
        if leading == mantissa.count {
            self.negative = negative
            self.digits = []
            self.exponent = 0
            return
        }
        mantissa.removeFirst(leading)
        exponent -= leading
        while let last = mantissa.last, last == 0 { mantissa.removeLast() }
        self.negative = negative
        self.digits = mantissa
        self.exponent = exponent
    }
}
