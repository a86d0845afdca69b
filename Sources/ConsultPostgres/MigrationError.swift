/// Why the PostgreSQL schema could not be brought up to date; nothing of a refused or failed migration is left behind.
public enum MigrationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A migration file name is not `NNNN-name.sql`.
    case badName(String)
    /// Two migrations share a number.
    case duplicateNumber(String, String)
    /// The migrations folder is missing from the binary's resources.
    case missingResources
    /// The database records migrations this binary does not know: a newer consult migrated it.
    case unknownApplied([String])
    /// Migrations numbered below one already applied are missing from the database (made on another
    /// branch, say): applying them now would run them out of order.
    case outOfOrder([String], after: String)
    /// An applied migration's file has changed since it was applied.
    case checksumChanged(id: String, recorded: String, now: String)
    /// The migration's SQL cannot be cut into statements.
    case unreadable(id: String, reason: String)
    /// A statement of the migration failed; the migration was rolled back.
    case failed(id: String, statement: Int, reason: String)

    public var description: String {
        switch self {
        case let .badName(name):
            return "migration '\(name)': the name must be NNNN-name (four digits, a dash, lower-case letters, digits, - or _)"
        case let .duplicateNumber(first, second):
            return "migrations '\(first)' and '\(second)' share a number"
        case .missingResources:
            return "the PostgreSQL migrations are missing from this build's resources"
        case let .unknownApplied(ids):
            return "the database holds migration(s) \(ids.joined(separator: ", ")) that this consult does not know: "
                + "a newer consult has run against it; run that version (or a newer one)"
        case let .outOfOrder(ids, latest):
            return "migration(s) \(ids.joined(separator: ", ")) are not applied although '\(latest)', numbered after them, is: "
                + "renumber them after it instead of applying them out of order"
        case let .checksumChanged(id, recorded, now):
            return "migration '\(id)' was changed after it was applied (checksum \(recorded.prefix(12)) in the database, "
                + "\(now.prefix(12)) in this consult): write a new migration instead of editing an applied one"
        case let .unreadable(id, reason):
            return "migration '\(id)': \(reason)"
        case let .failed(id, statement, reason):
            return "migration '\(id)' failed at statement \(statement) and was rolled back: \(reason)"
        }
    }
}
