import ConsultCore
import ConsultStore
import Foundation
import HTTPTypes

/// Turns a complete spooled upload into a staged attachment: refuses an empty file or one whose
/// content is none of the question's kinds, sanitises the display name, and writes the bytes
/// into the database. Both the form and the API upload through here.
struct UploadIntake {
    let consultation: Consultation

    func stage(_ spool: UploadSpool, name: String, question: Question, rule: FileRule, survey: Survey, owner: String)
        async throws -> (file: AttachedFile, isNew: Bool)
    {
        guard spool.size > 0 else { throw Problem.emptyFile }
        guard let kind = try FileKindSniffer.kind(of: spool), rule.kinds.contains(kind) else {
            throw Problem.fileKind(accepted: rule.kinds)
        }
        let upload = CheckedUpload(
            surveyID: survey.id.rawValue, question: question.id.rawValue, fileName: DisplayFileName.sanitised(name),
            kind: kind, size: spool.size, sha256: spool.sha256, ownerToken: owner)
        let now = consultation.clock.now()
        return try await consultation.storing {
            try await consultation.database.attachmentStore.stage(upload, limit: rule.maxFiles, at: now) { offset, count in
                try spool.read(offset, count)
            }
        }
    }
}

extension Consultation {
    /// Where uploads are spooled while they arrive: beside the database, emptied at start.
    var spoolFolder: URL { database.uploadSpool }
}

extension Question {
    /// The rule of a `file` question, nil for other kinds.
    var fileRule: FileRule? {
        if case .file(let rule) = kind { return rule }
        return nil
    }
}

extension HTTPField.Name {
    /// `Upload-Token`: the secret that owns API uploads until a submission or draft names them.
    static let uploadToken = HTTPField.Name("Upload-Token")!
}

/// Removes spool files left by an earlier process (a kill between creating and unlinking one).
enum SpoolCleaner {
    static func clear(_ folder: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names where name.hasPrefix("upload-") {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }
}
