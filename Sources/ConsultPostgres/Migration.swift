import Crypto
import Foundation

/// One versioned change of the PostgreSQL schema: a file `NNNN-name.sql`, applied once, in the order of its number,
/// and never edited after release (its checksum is recorded and compared at every start).
public struct Migration: Sendable, Equatable {
    /// The file name without `.sql`, e.g. `0001-submissions`; recorded in `schema_migration.id`.
    public let id: String
    /// The number that orders the migrations.
    public let number: Int
    /// The SQL, one or more statements separated by semicolons.
    public let sql: String

    /// A migration named `id` (`NNNN-name`: four digits, a dash, lower-case letters, digits, dashes or underscores).
    /// - Throws: ``MigrationError/badName(_:)`` for any other name.
    public init(id: String, sql: String) throws(MigrationError) {
        guard let number = Self.number(of: id) else { throw .badName(id) }
        self.id = id
        self.number = number
        self.sql = sql
    }

    /// SHA-256 of the SQL's UTF-8 bytes, in lower-case hex.
    public var checksum: String {
        SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The migrations shipped with consult (`Sources/ConsultPostgres/Migrations/*.sql`), in order.
    public static func bundled() throws -> [Migration] {
        guard let folder = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw MigrationError.missingResources
        }
        return try load(from: folder)
    }

    /// The `NNNN-name.sql` files in `folder`, in order; other files are ignored.
    /// - Throws: ``MigrationError`` for a badly named `.sql` file or two files with one number.
    public static func load(from folder: URL) throws -> [Migration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }
        let migrations = try names.map { name in
            try Migration(
                id: String(name.dropLast(4)),
                sql: String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            )
        }
        return try ordered(migrations)
    }

    /// `migrations` sorted by number.
    /// - Throws: ``MigrationError/duplicateNumber(_:_:)`` when two share a number.
    public static func ordered(_ migrations: [Migration]) throws(MigrationError) -> [Migration] {
        let sorted = migrations.sorted { $0.number < $1.number }
        for (earlier, later) in zip(sorted, sorted.dropFirst()) where earlier.number == later.number {
            throw .duplicateNumber(earlier.id, later.id)
        }
        return sorted
    }

    private static func number(of id: String) -> Int? {
        let parts = id.split(separator: "-", maxSplits: 1)
        guard parts.count == 2, parts[0].count == 4, parts[0].allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(parts[0]),
              !parts[1].isEmpty,
              parts[1].allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") })
        else { return nil }
        return number
    }
}
