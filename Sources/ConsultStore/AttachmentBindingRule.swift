import ConsultCore
import Crypto
import Foundation

/// What binding the files an answer set names requires, whatever the engine: each named file must be
/// staged by one of the owners for the same survey and question, or already a current file of this
/// submission, with the name, kind, size and hash the answer gives.
package enum AttachmentBindingRule {
    /// The stored row an answer's file id names.
    package struct Found: Sendable {
        package let rowID: Int64
        package let surveyID: String
        package let stored: StoredAttachment
        package let boundTo: Int64?
        package let ownerHash: Data?
        package let replacedAt: Int64?

        package init(rowID: Int64, surveyID: String, stored: StoredAttachment, boundTo: Int64?, ownerHash: Data?, replacedAt: Int64?) {
            self.rowID = rowID
            self.surveyID = surveyID
            self.stored = stored
            self.boundTo = boundTo
            self.ownerHash = ownerHash
            self.replacedAt = replacedAt
        }
    }

    /// What to do with one named file.
    package enum Step: Sendable, Equatable {
        /// Already a current file of the submission.
        case keep
        /// Staged by an owner: joins the submission.
        case bind(rowID: Int64)
    }

    /// The files `answers` name, with their questions.
    package static func named(in answers: AnswerSet) -> [(question: String, file: AttachedFile)] {
        var named: [(question: String, file: AttachedFile)] = []
        for (question, answer) in answers.answers {
            guard case .files(let files) = answer else { continue }
            for file in files { named.append((question.rawValue, file)) }
        }
        return named
    }

    /// The step for `file` answering `question` of submission `seq` (of survey `surveyID`), given the
    /// row its id names; throws ``AttachmentRefusal/unknownFile(question:id:)`` when it may not be used.
    package static func step(
        for file: AttachedFile, question: String, found: Found?, surveyID: String, seq: Int64, owners: [Data]
    ) throws(AttachmentRefusal) -> Step {
        guard let found, found.surveyID == surveyID, found.stored.question == question, found.stored.file == file else {
            throw .unknownFile(question: question, id: file.id)
        }
        if found.boundTo == seq, found.replacedAt == nil { return .keep }
        guard found.boundTo == nil, let owner = found.ownerHash, owners.contains(where: { Secret.constantTimeEqual($0, owner) })
        else { throw .unknownFile(question: question, id: file.id) }
        return .bind(rowID: found.rowID)
    }

    /// The submission's current files (public ids) that the answers no longer name: they become replaced.
    package static func replaced(current: [String], named: [(question: String, file: AttachedFile)]) -> [String] {
        current.filter { id in !named.contains { $0.file.id == id } }
    }
}

/// An upload's bytes copied from its spool piece by piece (so that memory stays flat), re-hashed as they are
/// copied: if they are not the bytes that were checked, the copy fails and nothing may be stored.
package enum UploadCopy {
    /// The size of each piece read from the spool.
    package static let chunk = 256 * 1024

    /// Reads the `size` bytes from `bytes(offset, count)`, hands each piece to `write(piece, offset)`, and
    /// throws ``AttachmentRefusal/bytesChanged`` if they end early or do not hash to `sha256`.
    package static func copy(
        size: Int, expecting sha256: Data, from bytes: (Int, Int) throws -> Data, into write: (Data, Int) throws -> Void
    ) throws {
        var hasher = SHA256()
        var offset = 0
        while offset < size {
            let piece = try bytes(offset, min(chunk, size - offset))
            guard !piece.isEmpty else { throw AttachmentRefusal.bytesChanged }
            hasher.update(data: piece)
            try write(piece, offset)
            offset += piece.count
        }
        guard Data(hasher.finalize()) == sha256 else { throw AttachmentRefusal.bytesChanged }
    }
}

// Memberwise initializers for the attachment roles' values, so that every engine builds them alike.

extension StoredAttachment {
    /// A stored row's file as its owner sees it (an unknown kind reads as text).
    package init(publicID: String, question: String, fileName: String, kind: String, size: Int, sha256: Data) {
        self.init(
            file: AttachedFile(
                id: publicID, name: fileName, kind: FileKind(rawValue: kind) ?? .text, size: size, sha256: Secret.hex(sha256)),
            question: question)
    }
}

extension AttachmentSummary {
    package init(
        publicID: String, question: String, fileName: String, kind: String, size: Int, sha256: Data, uploadedAtMilliseconds: Int64,
        status: String?, pages: Int?, characters: Int?, failure: String?
    ) {
        self.publicID = publicID
        self.question = question
        self.fileName = fileName
        self.kind = kind
        self.size = size
        self.sha256 = sha256
        self.uploadedAt = Date(milliseconds: uploadedAtMilliseconds)
        self.extraction = status.flatMap(ExtractionStatus.init(rawValue:)) ?? .pending
        self.pages = pages
        self.characters = characters
        self.failure = failure
    }
}
