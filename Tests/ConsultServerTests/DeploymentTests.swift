import ConsultCore
import ConsultServer
import ConsultStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// consult behind a reverse proxy with TLS: links on the public URL whatever `Host` says,
/// `Secure` cookies and HSTS with https, and the rate limit per forwarded client.
@Suite struct DeploymentTests {
    static let https = Deployment(publicOrigin: try! PublicOrigin(validating: "https://consult.example.org"))
    static let hsts = HTTPField.Name("Strict-Transport-Security")!
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// GETs `path` as a request naming `Host: evil.example` would arrive, with `browser`'s cookies.
    static func forgedHostGet(_ path: String, port: Int?, cookies: [String: String]) async throws -> (html: String, headers: HTTPFields) {
        let port = try #require(port)
        return try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            var headers: HTTPFields = [.accept: "text/html"]
            headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            let response = try await client.execute(TestClient.Request(path, method: .get, authority: "evil.example", headers: headers))
            return (String(buffer: response.body ?? ByteBuffer()), response.head.headerFields)
        }
    }

    /// Fills the form, reads the resume link with a forged Host, submits, reads the edit link the same way.
    static func privateLinks(_ client: any TestClientProtocol) async throws -> (resume: String, edit: String) {
        let browser = try await WebPagesTests.fillForm(client)
        let page = try await forgedHostGet("/s/consult-test/page/1", port: client.port, cookies: browser.cookies)
        let resume = try #require(FormBrowser.firstMatch(#"id="resume-link"[^>]*value="([^"]+)""#, in: page.html))
        _ = try await browser.get("/s/consult-test/review")
        #expect(try await browser.post("/s/consult-test/submit", []).location == "/s/consult-test/done")
        let done = try await forgedHostGet("/s/consult-test/done", port: client.port, cookies: browser.cookies)
        let edit = try #require(FormBrowser.firstMatch(#"id="edit-link"[^>]*value="([^"]+)""#, in: done.html))
        return (resume, edit)
    }

    @Test func privateLinksAreOnThePublicURLWhateverHostSays() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let links = try await server.run(deployment: Self.https) { client in try await Self.privateLinks(client) }
        #expect(links.resume.hasPrefix("https://consult.example.org/s/consult-test/resume/"))
        #expect(links.edit.hasPrefix("https://consult.example.org/s/consult-test/edit/"))
    }

    @Test func withoutAPublicURLLinksNameTheAddressTheServerListensOnNotTheHostHeader() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (links, port) = try await server.run { client in (try await Self.privateLinks(client), try #require(client.port)) }
        #expect(links.resume.hasPrefix("http://127.0.0.1:\(port)/s/consult-test/resume/"))
        #expect(links.edit.hasPrefix("http://127.0.0.1:\(port)/s/consult-test/edit/"))
        #expect(!links.resume.contains("evil") && !links.edit.contains("evil"))
    }

    @Test func withHTTPSEveryCookieIsSecureAndEveryResponseCarriesHSTS() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let token = try await server.token(.organizer)
        try await server.run(deployment: Self.https) { client in
            let browser = FormBrowser(client)
            let introduction = try await browser.get("/s/consult-test")
            let started = try await browser.post("/s/consult-test/start", [])
            let signedIn = try await browser.post("/sign-in", [("token", token)])
            let cookies = [introduction, started, signedIn].flatMap { $0.headers[values: .setCookie] }
            #expect(cookies.count >= 3)
            for cookie in cookies { #expect(cookie.hasSuffix("; Secure"), "\(cookie)") }
            let responses = [
                introduction.headers, started.headers,
                try await client.send(.get, "/api/v1/surveys").headers,
                try await client.send(.get, "/no-such-page").headers,
                try await client.send(.delete, "/api/v1/surveys").headers,  // 405, answered before the router
                try await client.submit([:]).headers,
            ]
            for headers in responses { #expect(headers[Self.hsts] == "max-age=31536000") }
        }
    }

    @Test func withPlainHTTPCookiesAreNotSecureAndThereIsNoHSTS() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let http = Deployment(publicOrigin: try PublicOrigin(validating: "http://consult.internal:8080"))
        try await server.run(deployment: http) { client in
            let introduction = try await FormBrowser(client).get("/s/consult-test")
            let cookie = try #require(introduction.headers[values: .setCookie].first)
            #expect(!cookie.contains("Secure"))
            #expect(introduction.headers[Self.hsts] == nil)
        }
    }

    @Test func behindATrustedProxyEachForwardedClientHasItsOwnRateLimit() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let proxied = Deployment(trustedProxies: try TrustedProxies(parsing: ["127.0.0.1", "::1"]))
        try await server.run(rateLimit: 2, deployment: proxied) { client in
            func submit(from address: String) async throws -> HTTPResponse.Status {
                try await client.submit(validAnswers, headers: [Self.forwardedFor: address]).status
            }
            #expect(try await submit(from: "203.0.113.5") == .created)
            #expect(try await submit(from: "198.51.100.7, 203.0.113.5") == .created)
            #expect(try await submit(from: "203.0.113.5") == .tooManyRequests)
            #expect(try await submit(from: "203.0.113.6") == .created)
            // One IPv6 /64 is one client.
            #expect(try await submit(from: "2001:db8:1:2::1") == .created)
            #expect(try await submit(from: "2001:db8:1:2:ffff::9") == .created)
            #expect(try await submit(from: "2001:db8:1:2::77") == .tooManyRequests)
            #expect(try await submit(from: "2001:db8:1:3::1") == .created)
            // Garbage is never a 500: the reading stops at the proxy, which is then the client.
            let forwarded = HTTPField.Name("Forwarded")!
            for headers: HTTPFields in [
                [Self.forwardedFor: "not-an-address"], [Self.forwardedFor: ",,,"], [forwarded: #"for="[::1"#],
                [forwarded: "for=unknown;;;=,="], [Self.forwardedFor: "[2001:db8::1]:99999999"],
            ] {
                let status = try await client.submit(validAnswers, headers: headers).status
                #expect(status == .created || status == .tooManyRequests)
            }
        }
    }

    @Test func anUntrustedPeersForwardedForIsIgnoredByTheRateLimit() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let elsewhere = Deployment(trustedProxies: try TrustedProxies(parsing: ["10.0.0.0/8"]))
        try await server.run(rateLimit: 2, deployment: elsewhere) { client async throws in
            #expect(try await client.submit(validAnswers, headers: [Self.forwardedFor: "203.0.113.5"]).status == .created)
            #expect(try await client.submit(validAnswers, headers: [Self.forwardedFor: "203.0.113.6"]).status == .created)
            #expect(try await client.submit(validAnswers, headers: [Self.forwardedFor: "203.0.113.7"]).status == .tooManyRequests)
        }
    }
}
