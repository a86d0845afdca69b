import Foundation

/// Takes the text out of a stored file, within ``ExtractionLimits``.
public struct TextExtractor: Sendable {
    public var limits: ExtractionLimits
    /// The pdftotext program (replaced in tests by programs that misbehave).
    public var pdftotext: String
    /// Where the PDF is written for pdftotext to read (a private file, removed at once).
    public var scratchFolder: URL

    public init(
        limits: ExtractionLimits = ExtractionLimits(), pdftotext: String = "/usr/bin/pdftotext",
        scratchFolder: URL = FileManager.default.temporaryDirectory
    ) {
        self.limits = limits
        self.pdftotext = pdftotext
        self.scratchFolder = scratchFolder
    }

    /// The text of `content` of `kind`, or an ``ExtractionFailure``. Blocks; run it off the cooperative threads.
    public func extract(_ content: Data, kind: DocumentKind) throws -> ExtractedText {
        switch kind {
        case .pdf: try PDFText(pdftotext: pdftotext, limits: limits, scratchFolder: scratchFolder).extract(content)
        case .docx: try OfficeText(limits: limits).extract(content, format: .docx)
        case .odt: try OfficeText(limits: limits).extract(content, format: .odt)
        case .text: try Self.plainText(content, limits: limits)
        }
    }

    /// Removes the private PDF copies a killed server left in the scratch folder. Only those older
    /// than `age` (far beyond the time limit), so another server's extraction in progress is left alone.
    @discardableResult
    public func removeLeftovers(olderThan age: TimeInterval = 3_600, now: Date = Date()) -> Int {
        let manager = FileManager.default
        let names = (try? manager.contentsOfDirectory(atPath: scratchFolder.path)) ?? []
        var removed = 0
        for name in names where name.hasPrefix(PDFText.scratchPrefix) && name.hasSuffix(".pdf") {
            let path = scratchFolder.appendingPathComponent(name).path
            guard let modified = (try? manager.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                now.timeIntervalSince(modified) > age, (try? manager.removeItem(atPath: path)) != nil
            else { continue }
            removed += 1
        }
        return removed
    }

    static func plainText(_ content: Data, limits: ExtractionLimits) throws -> ExtractedText {
        guard content.count <= limits.textBytes else {
            throw ExtractionFailure("The text is longer than \(ByteText.describe(limits.textBytes)).")
        }
        guard let text = String(data: content, encoding: .utf8) else {
            throw ExtractionFailure("The file is not valid UTF-8 text.")
        }
        return ExtractedText(text: TextCleaning.clean(text), pages: nil)
    }
}
