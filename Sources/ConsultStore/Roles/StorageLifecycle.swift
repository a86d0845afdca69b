import Foundation

/// Health and shutdown of the store.
public protocol StorageLifecycle: Sendable {
    /// "ok" when the database answers a query.
    func ping() async throws -> String
    /// Finishes pending writes and closes every connection.
    func close() throws
}
