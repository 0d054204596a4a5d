import Foundation

/// Foundation's JSON parser, to hold our hand-written JSON to the standard.
enum JSONSerializationCheck {
    static func parse(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }
}

typealias NSNumberLike = NSNumber
