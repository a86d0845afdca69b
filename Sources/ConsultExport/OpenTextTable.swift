import ConsultCore
import ConsultStore
import Foundation

/// Writes the analysis' open-text table (issue 19: exports): per question in survey order, per
/// sector in byte order, the shown texts in submission order.
///
/// The texts are read in one pass in submission order (``OpenTextScan``) and spilled to one
/// temporary file per question and sector; the files are then replayed in the table's order.
/// That is a bucket sort on disk: no SQL sort of millions of texts, memory stays at a buffer
/// per file, and each submission's pseudonym is made once however many texts it gave.
struct OpenTextTable {
    let survey: Survey
    let database: any ConsultStorage

    /// The questions whose texts the table shows, with the column `source` names them by.
    var questions: [(question: Question, source: String)] {
        survey.questions.compactMap { question in
            switch question.kind {
            case .text, .email: (question, "answer")
            case .singleChoice(let list) where list.allowsOther: (question, "other")
            case .multipleChoice(let list, _) where list.allowsOther: (question, "other")
            default: nil
            }
        }
    }

    func write(to sink: some TableSink) throws {
        let questions = self.questions
        let spill = try SpillFolder()
        defer { spill.remove() }
        var buckets: [[String: SpillFile]] = Array(repeating: [:], count: questions.count)
        var pseudonym = (seq: Int64.min, text: "")
        let sources = questions.map { question, _ in
            OpenTextSource(
                question: question.id, publications: PublicationChoice.allCases.filter { $0.disclosesText(of: question) })
        }
        try database.openTextScan.forEachText(survey: survey.id, sources: sources) { text in
            guard text.publication.disclosesText(of: questions[text.question].question) else { return }
            if pseudonym.seq != text.seq { pseudonym = (text.seq, database.pseudonyms.pseudonym(for: text.submissionID)) }
            let file: SpillFile
            if let open = buckets[text.question][text.sector] {
                file = open
            } else {
                file = try spill.file()
                buckets[text.question][text.sector] = file
            }
            try file.append(pseudonym.text)
            try file.append(text.text)
        }
        for (index, (question, source)) in questions.enumerated() {
            // SQLite's BINARY order of the sectors, which the table has always used.
            for sector in buckets[index].keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                guard let file = buckets[index][sector] else { continue }
                try file.finishWriting()
                var reader = try file.reader()
                let questionCell = Cell.text(question.id.rawValue), sourceCell = Cell.text(source), sectorCell = Cell.text(sector)
                while let respondent = try reader.next(), let text = try reader.next() {
                    try sink.row([questionCell, sourceCell, sectorCell, .text(respondent), .text(text)])
                }
            }
        }
    }
}

/// A temporary folder of spill files, removed with ``remove()``.
final class SpillFolder {
    let url: URL
    private var count = 0

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("consult-spill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
    }

    /// A new empty file in the folder.
    func file() throws -> SpillFile {
        count += 1
        return try SpillFile(path: url.appendingPathComponent("\(count)").path)
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Strings written one after the other (each as its UTF-8 length, 4 bytes, then its bytes) and
/// read back in the same order.
final class SpillFile {
    let path: String
    private var output: BufferedOutput?

    init(path: String) throws {
        self.path = path
        output = try BufferedOutput(path: path, capacity: 1 << 16)
    }

    func append(_ text: String) throws {
        guard let output else { return }
        var length = UInt32(text.utf8.count).littleEndian
        try withUnsafeBytes(of: &length) { try output.write($0) }
        try output.write(text)
    }

    func finishWriting() throws {
        try output?.close()
        output = nil
    }

    func reader() throws -> Reader {
        try Reader(handle: FileHandle(forReadingFrom: URL(fileURLWithPath: path)))
    }

    /// Reads the strings back, a chunk of the file at a time.
    struct Reader {
        let handle: FileHandle
        private var chunk: [UInt8] = []
        private var offset = 0
        private var ended = false

        init(handle: FileHandle) {
            self.handle = handle
        }

        /// The next string, or nil at the end of the file.
        mutating func next() throws -> String? {
            guard try fill(4) else { return nil }
            let length = chunk.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }
            offset += 4
            guard try fill(length) else { throw CocoaError(.fileReadCorruptFile) }
            let text = chunk.withUnsafeBufferPointer { String(decoding: $0[offset..<offset + length], as: UTF8.self) }
            offset += length
            return text
        }

        /// Makes sure `count` unread bytes are in `chunk`; false at the end of the file.
        private mutating func fill(_ count: Int) throws -> Bool {
            while chunk.count - offset < count {
                if ended { return false }
                chunk.removeFirst(offset)
                offset = 0
                if let data = try handle.read(upToCount: max(1 << 20, count)), !data.isEmpty {
                    chunk.append(contentsOf: data)
                } else {
                    ended = true
                    try handle.close()
                }
            }
            return true
        }
    }
}
