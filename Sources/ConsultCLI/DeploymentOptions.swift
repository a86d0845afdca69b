import ArgumentParser
import ConsultServer
import Foundation

/// `--public-url` and `--trusted-proxy`: how `consult serve` is reached behind a reverse proxy.
struct DeploymentOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The URL respondents reach consult at, e.g. https://consult.example.org: private links are built on it, and with https cookies are Secure and responses carry HSTS (env CONSULT_PUBLIC_URL).",
        valueName: "url"))
    var publicURL: String? = ProcessInfo.processInfo.environment["CONSULT_PUBLIC_URL"]

    @Option(help: ArgumentHelp(
        "A reverse proxy (address or CIDR range) whose X-Forwarded-For or Forwarded header names the client; repeatable (env CONSULT_TRUSTED_PROXIES, comma-separated).",
        valueName: "address"))
    var trustedProxy: [String] = []

    func validate() throws {
        _ = try settings()
    }

    /// The public URL and trusted proxies, from the options or else the environment.
    func settings() throws -> Deployment {
        let proxies = trustedProxy.isEmpty
            ? (ProcessInfo.processInfo.environment["CONSULT_TRUSTED_PROXIES"] ?? "").split(separator: ",").map(String.init)
                .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            : trustedProxy
        var origin: PublicOrigin?
        do {
            origin = try publicURL.map { try PublicOrigin(validating: $0) }
        } catch {
            throw ValidationError("--public-url: \(error)")
        }
        do {
            return Deployment(publicOrigin: origin, trustedProxies: try TrustedProxies(parsing: proxies))
        } catch {
            throw ValidationError("--trusted-proxy: \(error)")
        }
    }
}
