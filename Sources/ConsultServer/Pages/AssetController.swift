import Foundation
import Hummingbird

/// The pages' style sheet and script, read once at start and served from memory.
struct AssetController {
    let files: [String: (type: String, body: ByteBuffer)]

    /// Loads the module's `assets` folder.
    static func load() throws -> AssetController {
        guard let folder = Bundle.module.url(forResource: "assets", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "assets"])
        }
        var files: [String: (String, ByteBuffer)] = [:]
        for file in try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil) {
            let type: String
            switch file.pathExtension {
            case "css": type = "text/css; charset=utf-8"
            case "js": type = "text/javascript; charset=utf-8"
            case "svg": type = "image/svg+xml"
            default: continue
            }
            files[file.lastPathComponent] = (type, ByteBuffer(data: try Data(contentsOf: file)))
        }
        return AssetController(files: files)
    }

    func addRoutes(to router: Router<ConsultRequestContext>) {
        router.get("/assets/{file}", use: asset)
    }

    @Sendable func asset(_ request: Request, context: ConsultRequestContext) async throws -> Response {
        guard let name = context.parameters.get("file"), let file = files[name] else {
            throw Problem.notFound("There is no file \(request.uri.path).")
        }
        return Response(
            status: .ok, headers: [.contentType: file.type, .cacheControl: "public, max-age=3600"],
            body: .init(byteBuffer: file.body))
    }
}
