import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `consult serve --public-url … --trusted-proxy …`: checked before anything starts.
@Suite struct DeploymentOptionsTests {
    let db = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString).sqlite").path

    @Test func serveRefusesAPublicURLOrTrustedProxyItCannotUse() throws {
        for (arguments, named) in [
            (["--public-url", "consult.example.org"], "--public-url"),
            (["--public-url", "ftp://consult.example.org"], "--public-url"),
            (["--public-url", "https://consult.example.org/?token=1"], "--public-url"),
            (["--public-url", "https://consult.example.org/consult"], "--public-url"),
            (["--trusted-proxy", "127.0.0.1", "--trusted-proxy", "proxy.local"], "--trusted-proxy"),
            (["--trusted-proxy", "10.0.0.0/33"], "--trusted-proxy"),
        ] {
            let process = try ConsultProcess.start(["serve", "--db", db, "--port", "0"] + arguments)
            process.process.waitUntilExit()
            let run = process.finish()
            #expect(run.status != 0, "\(arguments)")
            #expect(run.errors.contains(named), "\(run.errors)")
            #expect(!FileManager.default.fileExists(atPath: db))
        }
    }

    @Test func serveTellsThePublicURLToOpen() async throws {
        defer { try? FileManager.default.removeItem(atPath: db) }
        let port = try ConsultProcess.freePort()
        let server = try ConsultProcess.start([
            "serve", "--db", db, "--port", String(port), "--public-url", "https://consult.example.org/",
            "--trusted-proxy", "127.0.0.1", "--trusted-proxy", "10.0.0.0/8",
        ])
        defer { if server.process.isRunning { server.process.terminate() } }
        #expect(try await ConsultProcess.waitUntilHealthy(port: port))
        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
        let run = server.finish()
        #expect(run.errors.contains("url=https://consult.example.org/"), "\(run.errors)")
    }
}
