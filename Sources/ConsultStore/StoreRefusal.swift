/// An error by which the store refuses a request on its own rules (an unknown id, a wrong
/// token, a deadline, a cap), as opposed to a failure of the database; nothing was changed.
///
/// The server turns each refusal into its problem in one place; any other error the store
/// throws is a database failure (`503`).
public protocol StoreRefusal: Error, Sendable {}

extension AccessFailure: StoreRefusal {}
extension DraftFailure: StoreRefusal {}
extension DeadlineRefusal: StoreRefusal {}
extension TokenRevocationFailure: StoreRefusal {}
