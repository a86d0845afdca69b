import ConsultCore
import ConsultStore
import Foundation

/// The file questions of a form page (position papers), without JavaScript: the page posts
/// `multipart/form-data`; `q.<question>.upload` carries new files, `q.<question>.remove` the ids
/// of files to take out. Files already attached travel in the draft, not in the form.
struct FileAnswerForm {
    let consultation: Consultation

    static func uploadField(_ question: QuestionID) -> String { "q.\(question.rawValue).upload" }
    static func removeField(_ question: QuestionID) -> String { "q.\(question.rawValue).remove" }
    /// The attached files' JSON texts in a page's field values (never posted: shown only).
    static func filesField(_ question: QuestionID) -> String { "q.\(question.rawValue).files" }

    /// Whether a page has a file question, and so posts a multipart form.
    static func takesFiles(_ questions: [Question]) -> Bool { questions.contains { $0.fileRule != nil } }

    /// The streaming reader of a page's multipart form: each file field with its question's size limit.
    func reader(for questions: [Question]) -> MultipartFormReader {
        var limits: [String: Int] = [:]
        var files = 0
        for question in questions {
            guard let rule = question.fileRule else { continue }
            limits[Self.uploadField(question.id)] = rule.maxBytes
            files += rule.maxFiles
        }
        return MultipartFormReader(spoolFolder: consultation.spoolFolder, fileLimits: limits, maximumFiles: files)
    }

    /// The raw answers of the page's file questions after its removals and uploads, each upload
    /// staged under `owner` (the draft's token); and a readable problem per question that refused one.
    func apply(
        _ questions: [Question], saved: [String: JSONValue], form: FormFields, uploads: [FormUpload], survey: Survey,
        owner: String
    ) async throws -> (answers: [String: JSONValue?], errors: [String: String]) {
        var answers: [String: JSONValue?] = [:]
        var errors: [String: String] = [:]
        let intake = UploadIntake(consultation: consultation)
        for question in questions {
            guard let rule = question.fileRule else { continue }
            let key = question.id.rawValue
            var kept: [JSONValue] = []
            if case .array(let current)? = saved[key] { kept = current }
            let removed = Set(form.values(Self.removeField(question.id)))
            kept.removeAll { removed.contains(Self.id(of: $0) ?? "") }
            try await consultation.storing {
                try await consultation.database.attachmentStore.discardStaged(Array(removed), ownerToken: owner)
            }
            for upload in uploads where upload.field == Self.uploadField(question.id) {
                guard kept.count < rule.maxFiles else {
                    errors[key] = "At most \(rule.maxFiles) file(s) can be attached here: remove one to add “\(DisplayFileName.sanitised(upload.fileName))”."
                    continue
                }
                do {
                    let staged = try await intake.stage(
                        upload.spool, name: upload.fileName, question: question, rule: rule, survey: survey, owner: owner)
                    if !kept.contains(where: { Self.id(of: $0) == staged.file.id }) { kept.append(staged.file.json) }
                } catch let problem as Problem where problem.status.code < 500 && problem.slug != "refused" {
                    errors[key] = "“\(DisplayFileName.sanitised(upload.fileName))”: \(problem.title). \(problem.detail)"
                } catch let refusal as AttachmentRefusal {
                    errors[key] = refusal.message
                }
            }
            answers.updateValue(kept.isEmpty ? nil : .array(kept), forKey: key)
        }
        return (answers, errors)
    }

    static func id(of file: JSONValue) -> String? {
        guard case .object(let members) = file, case .string(let id)? = members["id"] else { return nil }
        return id
    }

    /// A file as pages list it: name, kind, size and SHA-256.
    static func view(_ file: JSONValue) -> [String: Any]? {
        guard case .object(let members) = file, case .string(let id)? = members["id"], case .string(let name)? = members["name"],
            case .string(let kind)? = members["kind"], case .number(let size)? = members["size"],
            case .string(let sha256)? = members["sha256"]
        else { return nil }
        return [
            "fileId": id, "name": name, "kind": FileKind(rawValue: kind)?.label ?? kind, "size": sizeText(Int(size)),
            "sha256": sha256,
        ]
    }

    static func sizeText(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) bytes" }
        if bytes < FileRule.megabyte { return String(format: "%.1f KiB", Double(bytes) / 1024) }
        return String(format: "%.1f MiB", Double(bytes) / Double(FileRule.megabyte))
    }

    /// The hint under a file input: kinds, size, count.
    static func hint(_ rule: FileRule) -> String {
        "Accepted: " + rule.kinds.map(\.label).joined(separator: ", ") + "; at most \(rule.maxBytes / FileRule.megabyte) MiB per file"
            + (rule.maxFiles > 1 ? ", up to \(rule.maxFiles) files." : ", one file.")
    }

    /// The `accept` attribute of a file input (a hint to the browser only: the server reads the content).
    static func accept(_ rule: FileRule) -> String {
        rule.kinds.map { kind -> String in
            switch kind {
            case .pdf: ".pdf,application/pdf"
            case .docx: ".docx,\(kind.mediaType)"
            case .odt: ".odt,\(kind.mediaType)"
            case .text: ".txt,text/plain"
            }
        }.joined(separator: ",")
    }
}
