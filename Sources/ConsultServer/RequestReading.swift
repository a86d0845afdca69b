import ConsultCore
import ConsultStore
import Foundation
import Hummingbird
import NIOCore

/// The largest request body accepted, in bytes.
public let maximumBodySize = 1 << 20

extension Request {
    /// The JSON object in the body; refuses other media types, oversized and malformed bodies.
    /// Returns the raw bytes too, for idempotency hashing.
    mutating func jsonObject(allowEmpty: Bool = false) async throws -> (members: [String: JSONValue], bytes: Data) {
        let bytes = Data(buffer: try await limitedBody())
        if bytes.isEmpty && allowEmpty { return ([:], bytes) }
        let mediaType = headers[.contentType].flatMap(MediaType.init(from:))
        guard let mediaType, mediaType.isType(.applicationJson) else {
            throw Problem(
                "unsupported-media-type", status: .unsupportedMediaType, title: "Send JSON",
                detail: "The body must be application/json; it was \(headers[.contentType] ?? "not labelled").")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw Problem.badRequest("The body is not valid UTF-8.")
        }
        let value: JSONValue
        do {
            value = try StrictJSON.parse(bytes)
        } catch {
            throw Problem.badRequest("The body is not valid JSON: \(error).")
        }
        guard case .object(let members) = value else { throw Problem.badRequest("The body must be a JSON object.") }
        return (members, bytes)
    }

    /// The whole body, or a 413 problem when it is larger than ``maximumBodySize``.
    mutating func limitedBody() async throws -> ByteBuffer {
        do {
            return try await collectBody(upTo: maximumBodySize)
        } catch is NIOTooManyBytesError {
            throw Problem(
                "payload-too-large", status: .contentTooLarge, title: "The request body is too large",
                detail: "Bodies of at most \(maximumBodySize) bytes are accepted.")
        } catch {
            // A body cut short or with broken chunked framing: the client's fault, not ours.
            throw Problem.badRequest("The request body could not be read: it ended early or its framing is broken.")
        }
    }

    /// The `answers` object of a body that has no other member (empty allowed for drafts).
    mutating func answersBody(allowEmpty: Bool = false) async throws -> (answers: [String: JSONValue], bytes: Data) {
        let (members, bytes) = try await jsonObject(allowEmpty: allowEmpty)
        if members.isEmpty && allowEmpty { return ([:], bytes) }
        if let unknown = members.keys.sorted().first(where: { $0 != "answers" }) {
            throw Problem.badRequest("Unknown member \"\(unknown)\"; the body is {\"answers\": {question_id: value}}.")
        }
        guard case .object(let answers)? = members["answers"] else {
            throw Problem.badRequest("The body must be {\"answers\": {question_id: value}}.")
        }
        return (answers, bytes)
    }

    /// The token of an `Authorization: Bearer …` header.
    var bearerToken: String? {
        guard let value = headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}

extension JSONValue {
    /// The text of a string member, or nil.
    var text: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}

/// A JSON response.
func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
    var headers = headers
    headers[.contentType] = "application/json; charset=utf-8"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.canonicalText)))
}

/// Path parameters are ids: letters, digits, `-` and `_`, at most 64 characters.
func pathID(_ context: some RequestContext, _ name: String) throws -> String {
    guard let value = context.parameters.get(name),
        (1...64).contains(value.utf8.count),
        value.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F })
    else {
        throw Problem.notFound("There is no such \(name.replacingOccurrences(of: "_", with: " ")).")
    }
    return value
}
