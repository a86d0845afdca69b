import ConsultCore
import Foundation

/// Survey definition files on disk: one YAML file per survey, named `<id>.yaml`.
public enum SurveyFile {
    /// The file extension survey definitions use.
    public static let fileExtension = "yaml"

    /// Reads and checks the survey in `path`; the error lists every problem with its line.
    public static func load(path: String) throws(SurveyDefinitionError) -> Survey {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SurveyDefinitionError(file: path, problems: [
                DefinitionProblem(at: nil, path: nil, message: "cannot read the file as UTF-8 text (\(Self.reason(error)))")
            ])
        }
        let survey = try parse(text, file: path)
        let expectedName = "\(survey.id).\(fileExtension)"
        let name = URL(fileURLWithPath: path).lastPathComponent
        guard name == expectedName else {
            let location = idLocation(in: text)
            throw SurveyDefinitionError(file: path, problems: [
                DefinitionProblem(at: location, path: FieldPath.root.appending("id"),
                    message: "the survey id is \"\(survey.id)\" but the file is named \(name); "
                        + "name the file \(expectedName) or change the id")
            ])
        }
        return survey
    }

    /// Checks the survey written in `text`, naming `file` in its problems.
    public static func parse(_ text: String, file: String) throws(SurveyDefinitionError) -> Survey {
        let root: DefinitionNode
        do {
            root = try YAMLDefinition.parse(text)
        } catch {
            throw SurveyDefinitionError(file: file, problems: [error])
        }
        return try SurveyDecoder.decode(root, file: file)
    }

    /// Every `*.yaml` survey in `directory`, sorted by id; throws the problems of every file that has some.
    public static func loadAll(in directory: String) throws(SurveyCatalogError) -> [Survey] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw SurveyCatalogError(directory: directory, reason: "cannot list the folder (\(reason(error)))", failures: [])
        }
        let paths = names.filter { $0.hasSuffix(".\(fileExtension)") }.sorted()
            .map { URL(fileURLWithPath: directory).appendingPathComponent($0).path }
        var surveys: [Survey] = []
        var failures: [SurveyDefinitionError] = []
        for path in paths {
            do {
                surveys.append(try load(path: path))
            } catch {
                failures.append(error)
            }
        }
        guard failures.isEmpty else {
            throw SurveyCatalogError(directory: directory, reason: nil, failures: failures)
        }
        guard !surveys.isEmpty else {
            throw SurveyCatalogError(directory: directory, reason: "it holds no *.\(fileExtension) survey file", failures: [])
        }
        return surveys.sorted { $0.id < $1.id }
    }

    private static func idLocation(in text: String) -> SourceLocation? {
        guard case .mapping(let entries, _)? = try? YAMLDefinition.parse(text) else { return nil }
        return entries.first { $0.key == "id" }?.value.location
    }

    private static func reason(_ error: any Error) -> String {
        (error as NSError).localizedDescription
    }
}

/// A folder of surveys that cannot all be used.
public struct SurveyCatalogError: Error, Sendable, CustomStringConvertible {
    public let directory: String
    /// What is wrong with the folder itself, if anything.
    public let reason: String?
    /// The files with problems.
    public let failures: [SurveyDefinitionError]

    public var description: String {
        var lines = reason.map { ["\(directory): \($0)"] } ?? []
        lines += failures.map(\.description)
        return lines.joined(separator: "\n")
    }
}
