// Escaping text for XML (SVG) and HTML, so a protocol name or CSV value can never break a file.

/// `text` made safe inside XML/HTML character data and double- or single-quoted attributes.
///
/// Escapes & < > " ' and drops the control characters XML 1.0 forbids (everything below U+0020
/// except tab, line feed and carriage return), so any CSV value yields well-formed output.
public func escapeMarkup(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&#39;"
        case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
        default:
            if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
            result.unicodeScalars.append(scalar)
        }
    }
    return result
}
