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
        let port = Int.random(in: 20_000...60_000)
        let server = try ConsultProcess.start([
            "serve", "--db", db, "--port", String(port), "--public-url", "https://consult.example.org/",
            "--trusted-proxy", "127.0.0.1", "--trusted-proxy", "10.0.0.0/8",
        ])
        defer { if server.process.isRunning { server.process.terminate() } }
        let url = try #require(URL(string: "http://127.0.0.1:\(port)/healthz"))
        var healthy = false
        for _ in 0..<100 where !healthy {
            if let (data, _) = try? await URLSession.shared.data(from: url) {
                healthy = String(decoding: data, as: UTF8.self).contains("\"status\":\"ok\"")
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(healthy)
        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
        let run = server.finish()
        #expect(run.errors.contains("url=https://consult.example.org/"), "\(run.errors)")
    }
}
