import Foundation
import Hummingbird

/// The fields of a posted HTML form (`application/x-www-form-urlencoded`), in order; a name may repeat.
struct FormFields: Sendable {
    let pairs: [(name: String, value: String)]

    init(_ pairs: [(name: String, value: String)]) {
        self.pairs = pairs
    }

    /// Parses `a=1&b=x+y&b=%C3%A9`; a pair that is not valid percent-encoded UTF-8 is refused.
    init(parsing body: String) throws {
        var pairs: [(String, String)] = []
        for part in body.split(separator: "&", omittingEmptySubsequences: true) {
            let halves = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) throws -> String {
                guard let decoded = text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                    throw Problem.badRequest("The form is not valid URL-encoded UTF-8.")
                }
                return decoded
            }
            pairs.append((try decode(halves[0]), halves.count > 1 ? try decode(halves[1]) : ""))
        }
        self.pairs = pairs
    }

    /// The first value of `name`.
    subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// Every value of `name`, in order.
    func values(_ name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }

    /// Every value by name.
    var byName: [String: [String]] {
        pairs.reduce(into: [:]) { $0[$1.name, default: []].append($1.value) }
    }
}

extension Request {
    /// The posted form; refuses other media types and bodies over the size limit.
    mutating func formFields() async throws -> FormFields {
        let buffer = try await limitedBody()
        let mediaType = headers[.contentType].flatMap(MediaType.init(from:))
        guard let mediaType, mediaType.isType(.applicationUrlEncoded) else {
            throw Problem(
                "unsupported-media-type", status: .unsupportedMediaType, title: "Send the form",
                detail: "The body must be application/x-www-form-urlencoded.")
        }
        guard let text = String(validating: Data(buffer: buffer), as: UTF8.self) else {
            throw Problem.badRequest("The form is not valid UTF-8.")
        }
        return try FormFields(parsing: text)
    }
}
