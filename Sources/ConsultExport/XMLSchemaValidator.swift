import CLibXML2
import Foundation

/// Checks an XML file against an XML Schema (XSD) with libxml2, so `consult` can check
/// its own exports without `xmllint`.
public enum XMLSchemaValidator {
    /// What is wrong with the document at `document` measured against the schema at `schema`,
    /// one message per problem ("file:line: message"); empty when the document is valid.
    /// The document is streamed, not loaded into memory.
    public static func problems(document: String, schema: String) -> [String] {
        for path in [schema, document] where !FileManager.default.isReadableFile(atPath: path) {
            return ["\(path): cannot read the file"]
        }
        let collector = Collector(file: schema)
        let context = Unmanaged.passUnretained(collector).toOpaque()
        return withExtendedLifetime(collector) {
            // Errors of the XML parser (a file that is not well-formed) go to this thread's
            // handler rather than the contexts' handlers: catch them instead of printing them.
            xmlSetStructuredErrorFunc(context, Collector.callback)
            defer { xmlSetStructuredErrorFunc(nil, nil) }
            guard let parser = xmlSchemaNewParserCtxt(schema) else {
                return ["\(schema): cannot read the schema"]
            }
            defer { xmlSchemaFreeParserCtxt(parser) }
            xmlSchemaSetParserStructuredErrors(parser, Collector.callback, context)
            guard let compiled = xmlSchemaParse(parser) else {
                return collector.problems(or: "not a valid XML Schema")
            }
            defer { xmlSchemaFree(compiled) }
            guard let validator = xmlSchemaNewValidCtxt(compiled) else {
                return ["\(schema): cannot start validating against the schema"]
            }
            defer { xmlSchemaFreeValidCtxt(validator) }
            collector.file = document
            xmlSchemaSetValidStructuredErrors(validator, Collector.callback, context)
            let result = xmlSchemaValidateFile(validator, document, 0)
            return result == 0 ? collector.problems : collector.problems(or: "not valid (libxml2 error \(result))")
        }
    }

    /// Gathers libxml2's structured error reports.
    private final class Collector {
        /// The file being read, for reports that do not name one.
        var file: String
        var problems: [String] = []

        init(file: String) {
            self.file = file
        }

        func problems(or fallback: String) -> [String] {
            problems.isEmpty ? ["\(file): \(fallback)"] : problems
        }

        static let callback: xmlStructuredErrorFunc = { context, error in
            guard let context, let error else { return }
            let collector = Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue()
            let report = error.pointee
            var message = report.message.map { String(cString: $0) } ?? "unknown error"
            while message.last?.isWhitespace == true { message.removeLast() }
            var place = report.file.map { String(cString: $0) } ?? collector.file
            if report.line > 0 { place += ":\(report.line)" }
            collector.problems.append("\(place): \(message)")
        }
    }
}
