import Foundation
import Testing
import ZIPFoundation

@testable import TextExtraction

/// Text from real files by the real tools (pdftotext from poppler-utils, libxml2), and the
/// hostile files each limit is there for. One at a time: several of them keep a core busy on purpose.
@Suite(.serialized) struct TextExtractorTests {
    let scratch: URL

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("extract-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: false)
    }

    func extractor(_ limits: ExtractionLimits = ExtractionLimits(), pdftotext: String = "/usr/bin/pdftotext") -> TextExtractor {
        TextExtractor(limits: limits, pdftotext: pdftotext, scratchFolder: scratch)
    }

    func failure(_ content: Data, _ kind: DocumentKind, _ extractor: TextExtractor) -> String? {
        defer { try? FileManager.default.removeItem(at: scratch) }
        do {
            _ = try extractor.extract(content, kind: kind)
            return nil
        } catch {
            return (error as? ExtractionFailure)?.reason ?? "\(error)"
        }
    }

    /// What is left in the scratch folder: nothing, whatever happened.
    func leftovers() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? []
    }

    @Test func pdfTextAndPagesByPdftotext() throws {
        defer { try? FileManager.default.removeItem(at: scratch) }
        let pdf = PDFFixture.document(pages: ["Broadband for rural schools", "Second page about spectrum"])
        let result = try extractor().extract(pdf, kind: .pdf)
        #expect(result.pages == 2)
        #expect(result.text.contains("Broadband for rural schools"))
        #expect(result.text.contains("Second page about spectrum"))
        #expect(!result.text.contains("\u{C}"))
        #expect(result.characters == result.text.unicodeScalars.count)
        #expect(leftovers().isEmpty)
    }

    @Test func aFileNamedPdfThatIsNotOneFailsAndSaysWhy() {
        let reason = failure(Data("just some words, not a PDF".utf8), .pdf, extractor())
        #expect(reason?.contains("pdftotext could not read the PDF") == true)
    }

    @Test func aPdfThatMakesPdftotextWriteAGigabyteIsStoppedAtTheTextLimit() throws {
        // 50,000 pages of 20 KB of text each: a gigabyte of output from a 6 MB file.
        let flood = PDFFixture.textFlood(pages: 50_000)
        #expect(flood.count < 8 << 20)
        let reason = failure(flood, .pdf, extractor())
        #expect(reason == "pdftotext wrote more than 16 MiB of text and was stopped.")
    }

    @Test func aPdfThatMakesPdftotextRunForHoursIsStoppedAtTheTimeLimit() throws {
        var limits = ExtractionLimits()
        limits.seconds = 2
        limits.cpuSeconds = 60
        let reason = failure(PDFFixture.drawingBomb(depth: 9, fan: 10), .pdf, extractor(limits))
        #expect(reason == "pdftotext ran longer than 2 s and was stopped.")
    }

    @Test func theCPULimitStopsPdftotextToo() throws {
        var limits = ExtractionLimits()
        limits.seconds = 600
        limits.cpuSeconds = 1
        let reason = failure(PDFFixture.drawingBomb(depth: 9, fan: 10), .pdf, extractor(limits))
        #expect(reason == "pdftotext used more than 1 s of CPU time and was stopped.")
    }

    /// A program standing in for pdftotext that never ends and never writes is killed.
    @Test func aHangingProgramIsKilled() throws {
        let program = scratch.appendingPathComponent("hang.sh")
        try "#!/bin/sh\nexec sleep 600\n".write(to: program, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: program.path)
        var limits = ExtractionLimits()
        limits.seconds = 1
        let reason = failure(PDFFixture.document(pages: ["x"]), .pdf, extractor(limits, pdftotext: program.path))
        #expect(reason == "pdftotext ran longer than 1 s and was stopped.")
    }

    @Test func theMemoryLimitHolds() throws {
        var limits = ExtractionLimits()
        limits.memoryBytes = 8 << 20
        let reason = failure(PDFFixture.document(pages: ["x"]), .pdf, extractor(limits))
        #expect(reason != nil)
    }

    @Test func leftoverScratchCopiesOfAKilledRunAreRemovedOnlyWhenOld() throws {
        defer { try? FileManager.default.removeItem(at: scratch) }
        let now = Date()
        for (name, age) in [("consult-pdf-old.pdf", 7_200.0), ("consult-pdf-new.pdf", 10.0), ("other.pdf", 7_200.0)] {
            let path = scratch.appendingPathComponent(name).path
            FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
            try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-age)], ofItemAtPath: path)
        }
        #expect(extractor().removeLeftovers(now: now) == 1)
        #expect(leftovers().sorted() == ["consult-pdf-new.pdf", "other.pdf"])
    }

    @Test func docxTextParagraphsAndPages() throws {
        defer { try? FileManager.default.removeItem(at: scratch) }
        let docx = ZipFixture.docx(["Position paper of the Ministry", "Spectrum & <rural> access"], pages: 3)
        let result = try extractor().extract(docx, kind: .docx)
        #expect(result.text == "Position paper of the Ministry\nSpectrum & <rural> access")
        #expect(result.pages == 3)
    }

    @Test func odtTextOfTheBodyOnly() throws {
        defer { try? FileManager.default.removeItem(at: scratch) }
        let odt = ZipFixture.odt(["Erste Stellungnahme", "Zweiter Absatz"], pages: 2)
        let result = try extractor().extract(odt, kind: .odt)
        #expect(result.text == "Erste Stellungnahme\nZweiter Absatz")
        #expect(result.pages == 2)
    }

    @Test func plainTextLosesNULsOnly() throws {
        defer { try? FileManager.default.removeItem(at: scratch) }
        let result = try extractor().extract(Data("Zeile eins\u{0}\nzwei €".utf8), kind: .text)
        #expect(result.text == "Zeile eins\nzwei €")
        #expect(result.pages == nil)
    }

    @Test func aDocxZipBombIsRefusedByItsRatioBeforeInflating() {
        // 64 MiB of one byte: 64 KB compressed, a ratio of about a thousand.
        let bomb = ZipFixture.archive([ZipFixture.Entry("word/document.xml", Data(repeating: 0x20, count: 64 << 20))])
        #expect(bomb.count < 1 << 20)
        let reason = failure(bomb, .docx, extractor())
        #expect(reason?.hasPrefix("word/document.xml of the DOCX archive would inflate") == true)
        #expect(reason?.hasSuffix("more than 200 (a zip bomb?).") == true)
    }

    @Test func aZipBombWhoseHeaderLiesIsStoppedWhileInflating() {
        // The headers say 200 bytes; the data inflates to 8 MiB.
        let bomb = ZipFixture.archive([ZipFixture.Entry("word/document.xml", Data(repeating: 0x20, count: 8 << 20), declaredSize: 200)])
        let reason = failure(bomb, .docx, extractor())
        #expect(reason == "word/document.xml of the DOCX archive inflates to more than the 200 bytes it declares (a zip bomb?).")
    }

    @Test func manyEntriesAreRefused() {
        let entries = (0...5_000).map { ZipFixture.Entry("e\($0)", Data(), deflate: false) }
        let reason = failure(ZipFixture.archive(entries), .odt, extractor())
        #expect(reason == "The ODT archive has more than 5000 entries (a zip bomb?).")
    }

    @Test func entriesDeclaringTooMuchInAllAreRefused() {
        var limits = ExtractionLimits()
        limits.zipUncompressedBytes = 1 << 20
        let entries = (0..<3).map { ZipFixture.Entry("part\($0)", Data(repeating: 0x41, count: 400_000)) }
        let reason = failure(ZipFixture.archive(entries), .docx, extractor(limits))
        #expect(reason == "The DOCX archive's entries would inflate to more than 1 MiB (a zip bomb?).")
    }

    @Test func entityExpansionIsNotPerformed() throws {
        defer { try? FileManager.default.removeItem(at: scratch) }
        let laughs = """
            <?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "haha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\
            <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY e "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>\
            <w:document xmlns:w="\(ZipFixture.w)"><w:body><w:p><w:r><w:t>x&e;y</w:t></w:r></w:p></w:body></w:document>
            """
        // libxml2 either leaves the reference unexpanded or stops at its amplification guard.
        do {
            let result = try extractor().extract(ZipFixture.archive([ZipFixture.Entry("word/document.xml", laughs)]), kind: .docx)
            #expect(!result.text.contains("haha"))
        } catch let failure as ExtractionFailure {
            #expect(failure.reason.hasPrefix("word/document.xml is not well-formed XML"))
        }
    }

    @Test func brokenArchivesAndXMLFailWithTheirReason() {
        #expect(failure(Data("PK not really".utf8), .docx, extractor()) == "The DOCX file is not a readable ZIP archive.")
        #expect(failure(ZipFixture.archive([ZipFixture.Entry("other.xml", "<a/>")]), .docx, extractor())
            == "The DOCX archive has no word/document.xml.")
        let broken = ZipFixture.archive([ZipFixture.Entry("content.xml", "<office:document-content><unclosed>")])
        #expect(failure(broken, .odt, extractor())?.hasPrefix("content.xml is not well-formed XML") == true)
    }
}
