import Foundation
import ZIPFoundation

/// Documents made by the tests themselves: small real PDFs, DOCX and ODT files, and hostile ones
/// (a PDF that makes pdftotext write a gigabyte, one that makes it run for hours, zip bombs).
enum PDFFixture {
    /// A PDF with one line of `text` per page (Helvetica, plain string operands: ASCII only).
    static func document(pages: [String]) -> Data {
        var objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [\((0..<pages.count).map { "\(4 + 2 * $0) 0 R" }.joined(separator: " "))] /Count \(pages.count) >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ].map { Data($0.utf8) }
        for (index, text) in pages.enumerated() {
            objects.append(Data("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents \(5 + 2 * index) 0 R /Resources << /Font << /F1 3 0 R >> >> >>".utf8))
            objects.append(stream(Data("BT /F1 12 Tf 72 720 Td (\(text)) Tj ET".utf8)))
        }
        return assemble(objects)
    }

    /// `pages` pages that all show one compressed content stream of 100 lines of 200 characters
    /// (20 KB of text a page from a few hundred bytes): 50,000 pages make a 6 MB file that pdftotext
    /// turns into a gigabyte of text.
    static func textFlood(pages: Int) -> Data {
        let line = "(" + String(repeating: "position paper text ", count: 10) + ") '\n"
        let content = "BT /F1 6 Tf 7 TL 10 780 Td\n" + String(repeating: line, count: 100) + "ET"
        var objects = [
            Data("<< /Type /Catalog /Pages 2 0 R >>".utf8),
            Data("<< /Type /Pages /Kids [\((0..<pages).map { "\(5 + $0) 0 R" }.joined(separator: " "))] /Count \(pages) >>".utf8),
            stream(Data(content.utf8), compress: true),
            Data("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".utf8),
        ]
        let page = Data("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1200 792] /Contents 3 0 R /Resources << /Font << /F1 4 0 R >> >> >>".utf8)
        objects.append(contentsOf: repeatElement(page, count: pages))
        return assemble(objects)
    }

    /// One page drawing a form that draws the next form `fan` times, `depth` forms deep:
    /// fan^depth tiny squares (10^9 for 10 and 9), hours of work for pdftotext, in a 1 KB file.
    static func drawingBomb(depth: Int, fan: Int) -> Data {
        var objects = [
            "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /XObject << /X 5 0 R >> >> >>",
        ].map { Data($0.utf8) }
        objects.append(stream(Data("/X Do".utf8)))
        for level in 0..<depth {
            let form = " /Type /XObject /Subtype /Form /BBox [0 0 10 10]"
            if level == depth - 1 {
                objects.append(stream(Data("0 0 1 1 re f".utf8), extra: form))
            } else {
                objects.append(stream(
                    Data(String(repeating: "/X Do ", count: fan).utf8),
                    extra: form + " /Resources << /XObject << /X \(6 + level) 0 R >> >>"))
            }
        }
        return assemble(objects)
    }

    private static func stream(_ data: Data, compress: Bool = false, extra: String = "") -> Data {
        let body = compress ? zlib(data) : data
        var out = Data("<< /Length \(body.count)\(extra)\(compress ? " /Filter /FlateDecode" : "") >>\nstream\n".utf8)
        out.append(body)
        out.append(Data("\nendstream".utf8))
        return out
    }

    /// zlib format (what /FlateDecode reads): a header, raw deflate, the Adler-32 of the data.
    private static func zlib(_ data: Data) -> Data {
        var out = Data([0x78, 0x9C])
        _ = try? Data.compress(size: Int64(data.count), bufferSize: 1 << 16, provider: { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }, consumer: { out.append($0) })
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        let adler = b << 16 | a
        out.append(contentsOf: [UInt8(adler >> 24), UInt8(adler >> 16 & 0xFF), UInt8(adler >> 8 & 0xFF), UInt8(adler & 0xFF)])
        return out
    }

    private static func assemble(_ objects: [Data]) -> Data {
        var out = Data("%PDF-1.4\n".utf8)
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(out.count)
            out.append(Data("\(index + 1) 0 obj\n".utf8))
            out.append(object)
            out.append(Data("\nendobj\n".utf8))
        }
        let xref = out.count
        var table = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { table += String(format: "%010d 00000 n \n", offset) }
        table += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        out.append(Data(table.utf8))
        return out
    }
}

/// ZIP archives written byte by byte, so that tests can make them lie.
enum ZipFixture {
    struct Entry {
        let name: String
        let data: Data
        /// The uncompressed size the headers declare (the truth when nil).
        var declaredSize: Int?
        var deflate = true

        init(_ name: String, _ data: Data, declaredSize: Int? = nil, deflate: Bool = true) {
            self.name = name
            self.data = data
            self.declaredSize = declaredSize
            self.deflate = deflate
        }

        init(_ name: String, _ text: String) {
            self.init(name, Data(text.utf8))
        }
    }

    static func archive(_ entries: [Entry]) -> Data {
        var out = Data()
        var central = Data()
        for entry in entries {
            var packed = Data()
            var crc: UInt32 = 0
            if entry.deflate {
                crc = (try? Data.compress(size: Int64(entry.data.count), bufferSize: 1 << 16, provider: { position, size in
                    entry.data.subdata(in: Int(position)..<Int(position) + size)
                }, consumer: { packed.append($0) })) ?? 0
            } else {
                packed = entry.data
                crc = entry.data.crc32(checksum: 0)
            }
            let name = Data(entry.name.utf8)
            let size = UInt32(entry.declaredSize ?? entry.data.count)
            let offset = UInt32(out.count)
            var local = Data()
            local.le32(0x0403_4b50); local.le16(20); local.le16(0); local.le16(entry.deflate ? 8 : 0); local.le16(0); local.le16(0x21)
            local.le32(crc); local.le32(UInt32(packed.count)); local.le32(size); local.le16(UInt16(name.count)); local.le16(0)
            out.append(local); out.append(name); out.append(packed)
            var record = Data()
            record.le32(0x0201_4b50); record.le16(0x0314); record.le16(20); record.le16(0); record.le16(entry.deflate ? 8 : 0)
            record.le16(0); record.le16(0x21); record.le32(crc); record.le32(UInt32(packed.count)); record.le32(size)
            record.le16(UInt16(name.count)); record.le16(0); record.le16(0); record.le16(0); record.le16(0)
            record.le32(0o100644 << 16); record.le32(offset)
            central.append(record); central.append(name)
        }
        let start = UInt32(out.count)
        out.append(central)
        var end = Data()
        end.le32(0x0605_4b50); end.le16(0); end.le16(0); end.le16(UInt16(min(entries.count, 0xFFFF)))
        end.le16(UInt16(min(entries.count, 0xFFFF))); end.le32(UInt32(central.count)); end.le32(start); end.le16(0)
        out.append(end)
        return out
    }

    static let w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

    /// A DOCX with these paragraphs (and a page count in docProps/app.xml when given).
    static func docx(_ paragraphs: [String], pages: Int? = nil) -> Data {
        let body = paragraphs.map { "<w:p><w:r><w:t xml:space=\"preserve\">\(escaped($0))</w:t></w:r></w:p>" }.joined()
        var entries = [
            Entry("[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"),
            Entry("word/document.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"\(w)\"><w:body>\(body)</w:body></w:document>"),
        ]
        if let pages {
            entries.append(Entry("docProps/app.xml",
                "<?xml version=\"1.0\"?><Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\"><Pages>\(pages)</Pages></Properties>"))
        }
        return archive(entries)
    }

    /// An ODT with these paragraphs.
    static func odt(_ paragraphs: [String], pages: Int? = nil) -> Data {
        let body = paragraphs.map { "<text:p>\(escaped($0))</text:p>" }.joined()
        let office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
        let text = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
        var entries = [
            Entry("mimetype", Data("application/vnd.oasis.opendocument.text".utf8), deflate: false),
            Entry("content.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content xmlns:office=\"\(office)\" xmlns:text=\"\(text)\"><office:automatic-styles><text:p>not body</text:p></office:automatic-styles><office:body><office:text>\(body)</office:text></office:body></office:document-content>"),
        ]
        if let pages {
            entries.append(Entry("meta.xml",
                "<?xml version=\"1.0\"?><office:document-meta xmlns:office=\"\(office)\" xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\"><office:meta><meta:document-statistic meta:page-count=\"\(pages)\"/></office:meta></office:document-meta>"))
        }
        return archive(entries)
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}

extension Data {
    mutating func le16(_ value: UInt16) { append(contentsOf: [UInt8(value & 0xFF), UInt8(value >> 8)]) }
    mutating func le32(_ value: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((value >> UInt32(shift)) & 0xFF)) } }
}
