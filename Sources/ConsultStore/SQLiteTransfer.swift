import Foundation
import GRDB

/// The SQLite side of `consult copy`: the tables of ``TransferSchema`` read from one snapshot and written in one
/// transaction. Text is read and written as its bytes (see ``ExactText``); answer ids go through `answer_code`.
struct SQLiteTransfer: StoreTransfer {
    let database: ConsultDatabase

    func read(_ body: (TransferBatch) throws -> Void) throws {
        try database.pool.read { db in
            for table in TransferSchema.tables {
                let types = try Self.columnTypes(of: table, in: db)
                let sql: String
                if table == TransferSchema.answerValues {
                    sql = """
                        SELECT a.submission_seq, a.position, CAST(q.code AS BLOB), CAST(i.code AS BLOB), CAST(o.code AS BLOB),
                            a.number, CAST(a.text AS BLOB)
                        FROM answer_value a JOIN answer_code q ON q.id = a.question LEFT JOIN answer_code i ON i.id = a.item
                            LEFT JOIN answer_code o ON o.id = a.option
                        ORDER BY a.submission_seq, a.position
                        """
                } else {
                    let columns = table.columns.map { types[$0] == "TEXT" ? ExactText.select($0) : $0 }
                    sql = "SELECT \(columns.joined(separator: ", ")) FROM \(table.name) ORDER BY \(table.order)"
                }
                var batch = TransferBatch(table: table)
                let rows = try Row.fetchCursor(db, sql: sql)
                while let row = try rows.next() {
                    batch.append(try (0..<table.columns.count).map { index in
                        try Self.value(row[index] as DatabaseValue, table: table, column: table.columns[index])
                    })
                    if batch.isFull {
                        try body(batch)
                        batch = TransferBatch(table: table)
                    }
                }
                if !batch.rows.isEmpty { try body(batch) }
            }
        }
    }

    func write(_ next: () throws -> TransferBatch?) throws {
        try database.pool.write { db in
            let held = try TransferSchema.tables.filter { $0 != TransferSchema.keys }.compactMap { table -> (String, Int)? in
                let rows = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table.name)") ?? 0
                return rows > 0 ? (table.name, rows) : nil
            }
            guard held.isEmpty else { throw TransferRefusal.notEmpty(held) }
            try db.execute(sql: "DELETE FROM \(TransferSchema.keys.name)")
            var codes = AnswerCodeWriter()
            var laterValues: [(table: TransferTable, column: String, key: DatabaseValue, value: DatabaseValue)] = []
            var typesByTable: [String: [String: String]] = [:]
            // The target held nothing but its keys: rows a table has before its first batch were made by its
            // triggers as earlier tables were copied in (the campaign queue's), and the copy's own replace them.
            var begun: Set<String> = [TransferSchema.keys.name]
            func begin(_ table: TransferTable) throws {
                guard begun.insert(table.name).inserted else { return }
                if try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table.name)") ?? 0 > 0 {
                    try db.execute(sql: "DELETE FROM \(table.name)")
                }
            }
            while let batch = try next() {
                let table = batch.table
                try begin(table)
                if table == TransferSchema.answerValues {
                    try codes.insert(batch.rows, in: db)
                    continue
                }
                let types = try typesByTable[table.name] ?? Self.columnTypes(of: table, in: db)
                typesByTable[table.name] = types
                let placeholders = table.columns.map { types[$0] == "TEXT" ? "CAST(? AS TEXT)" : "?" }
                let insert = try db.cachedStatement(sql: """
                    INSERT INTO \(table.name) (\(table.columns.joined(separator: ", ")))
                    VALUES (\(placeholders.joined(separator: ", ")))
                    """)
                for row in batch.rows {
                    var values: [DatabaseValue] = []
                    for (index, column) in table.columns.enumerated() {
                        let value = try Self.bindable(row[index], type: types[column] ?? "", table: table, column: column)
                        if table.later.contains(column), !value.isNull {
                            laterValues.append((table, column, try Self.bindable(row[0], type: types[table.columns[0]] ?? "", table: table, column: table.columns[0]), value))
                            values.append(.null)
                        } else {
                            values.append(value)
                        }
                    }
                    try insert.execute(arguments: StatementArguments(values))
                }
            }
            for table in TransferSchema.tables { try begin(table) }
            for (table, column, key, value) in laterValues {
                try db.execute(
                    sql: "UPDATE \(table.name) SET \(column) = ? WHERE \(table.columns[0]) = ?", arguments: [value, key])
            }
        }
    }

    /// The declared type (`INTEGER`, `REAL`, `TEXT`, `BLOB`) of each of `table`'s columns here.
    static func columnTypes(of table: TransferTable, in db: Database) throws -> [String: String] {
        let declared = Dictionary(
            try Row.fetchAll(db, sql: "PRAGMA table_info(\(table.name))").map { row -> (String, String) in
                (row["name"], (row["type"] as String).uppercased())
            }, uniquingKeysWith: { first, _ in first })
        for column in table.columns where declared[column] == nil {
            throw TransferValueError(table: table.name, column: column, "this SQLite database has no such column")
        }
        return declared
    }

    static func value(_ value: DatabaseValue, table: TransferTable, column: String) throws -> TransferValue {
        switch value.storage {
        case .null: return .null
        case .int64(let integer): return .integer(integer)
        case .double(let real): return .real(real)
        case .blob(let data): return .bytes(data)
        case .string(let text): return .bytes(Data(text.utf8))
        }
    }

    /// `value` as a column of `type` takes it (text under `CAST(? AS TEXT)`).
    static func bindable(_ value: TransferValue, type: String, table: TransferTable, column: String) throws -> DatabaseValue {
        switch (value, type) {
        case (.null, _): return .null
        case (.integer(let integer), "INTEGER"): return integer.databaseValue
        case (.integer(let integer), "REAL"): return Double(integer).databaseValue
        case (.real(let real), "REAL"): return real.databaseValue
        case (.real(let real), "INTEGER") where real.rounded() == real: return Int64(real).databaseValue
        // An empty Data would bind as NULL: an empty text binds as one.
        case (.bytes(let data), "TEXT"): return data.isEmpty ? "".databaseValue : data.databaseValue
        case (.bytes(let data), "BLOB"): return data.databaseValue
        default: throw TransferValueError(table: table.name, column: column, "\(value) cannot be stored in a \(type) column")
        }
    }
}

/// Writes copied answer values, giving each id its code in `answer_code` (added where the file has none yet).
private struct AnswerCodeWriter {
    private var codes: [Data: Int64] = [:]

    mutating func insert(_ rows: [[TransferValue]], in db: Database) throws {
        let insert = try db.cachedStatement(sql: """
            INSERT INTO answer_value (submission_seq, position, question, item, option, number, text)
            VALUES (?, ?, ?, ?, ?, ?, CAST(? AS TEXT))
            """)
        let table = TransferSchema.answerValues
        for row in rows {
            func code(_ index: Int) throws -> DatabaseValue {
                guard case .bytes(let id) = row[index] else { return .null }
                return try self.code(of: id, in: db).databaseValue
            }
            try insert.execute(arguments: [
                try SQLiteTransfer.bindable(row[0], type: "INTEGER", table: table, column: "submission_seq"),
                try SQLiteTransfer.bindable(row[1], type: "INTEGER", table: table, column: "position"),
                try code(2), try code(3), try code(4),
                try SQLiteTransfer.bindable(row[5], type: "REAL", table: table, column: "number"),
                try SQLiteTransfer.bindable(row[6], type: "TEXT", table: table, column: "text"),
            ])
        }
    }

    private mutating func code(of id: Data, in db: Database) throws -> Int64 {
        if let code = codes[id] { return code }
        let text = String(decoding: id, as: UTF8.self)
        try db.execute(sql: "INSERT OR IGNORE INTO answer_code (code) VALUES (?)", arguments: [text])
        guard let code = try Int64.fetchOne(db, sql: "SELECT id FROM answer_code WHERE code = ?", arguments: [text]) else {
            throw TransferValueError(table: "answer_value", column: "question", "no code for the answer id \(text)")
        }
        codes[id] = code
        return code
    }
}

extension ConsultDatabase {
    /// The whole database for `consult copy`.
    public var transfer: any StoreTransfer { SQLiteTransfer(database: self) }
}
