import Foundation

/// The keys the store keeps for the service, the same on every node: receipts' signing key,
/// the respondents' pseudonyms, web forms' anti-forgery key and the key that hashes client addresses.
public protocol ServiceKeys: Sendable {
    /// Signs receipts.
    var receipts: ReceiptSigner { get }
    /// Makes the pseudonymous respondent ids exports and the reading room show.
    var pseudonyms: Pseudonymizer { get }
    /// Makes and checks the anti-forgery tokens of web forms.
    var formTokens: FormTokenSigner { get }
    /// Keys the client addresses of new submissions (the ballot-stuffing signals).
    var clientKeys: ClientAddressKeyer { get }
}
