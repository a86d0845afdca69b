import ConsultStore
import Foundation
import PostgresNIO

/// The PostgreSQL side of `consult copy`: the tables of ``TransferSchema`` read from one snapshot and
/// written in one transaction, each value converted to the type of its column here (found in the catalog).
struct PostgresTransfer: StoreTransfer {
    let store: PostgresStore

    func read(_ body: (TransferBatch) throws -> Void) throws {
        try store.blockingSnapshot { session in
            for table in TransferSchema.tables {
                let layout = try PostgresTableLayout(table, in: session)
                var batch = TransferBatch(table: table)
                try session.forEach(PostgresQuery(unsafeSQL: layout.select)) { row in
                    let cells = row.makeRandomAccess()
                    batch.append(try table.columns.indices.map { index in try layout.value(cells[index], column: index) })
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
        try store.blockingTransaction { session in
            var layouts: [String: PostgresTableLayout] = [:]
            for table in TransferSchema.tables { layouts[table.name] = try PostgresTableLayout(table, in: session) }
            var held: [(table: String, rows: Int)] = []
            for table in TransferSchema.tables where table != TransferSchema.keys {
                let rows = try session.first(PostgresQuery(unsafeSQL: layouts[table.name]!.count), as: Int.self) ?? 0
                if rows > 0 { held.append((table.name, rows)) }
            }
            guard held.isEmpty else { throw TransferRefusal.notEmpty(held) }
            try session.execute("DELETE FROM server_secret")
            var later: [(layout: PostgresTableLayout, column: Int, key: TransferValue, value: TransferValue)] = []
            while let batch = try next() {
                guard let layout = layouts[batch.table.name], !batch.rows.isEmpty else { continue }
                var rows = batch.rows
                for (index, column) in batch.table.columns.enumerated() where batch.table.later.contains(column) {
                    for position in rows.indices where rows[position][index] != .null {
                        later.append((layout, index, rows[position][0], rows[position][index]))
                        rows[position][index] = .null
                    }
                }
                try layout.insert(rows, in: session)
            }
            for (layout, column, key, value) in later { try layout.update(column: column, to: value, whereKey: key, in: session) }
            try PostgresTableLayout.resumeIdentities(in: session)
            // The export streams number answer ids through `answer_code` (see 0005-answer-codes.sql).
            try session.execute("""
                INSERT INTO answer_code (code)
                SELECT question FROM answer_value UNION SELECT item FROM answer_value WHERE item IS NOT NULL
                UNION SELECT option FROM answer_value WHERE option IS NOT NULL
                ORDER BY 1
                ON CONFLICT (code) DO NOTHING
                """)
        }
    }
}

extension PostgresStore {
    /// The whole database for `consult copy`.
    public var transfer: any StoreTransfer { PostgresTransfer(store: self) }
}

/// Where a table of ``TransferSchema`` lives in this database, and the type of each of its columns here.
struct PostgresTableLayout {
    let table: TransferTable
    /// The catalog's `data_type` of each column, in the table's order.
    let types: [String]
    let select: String
    let count: String
    /// `INSERT INTO … VALUES ` for this table's rows.
    private let insertPrefix: String
    /// What follows the rows (a survey's state row may be there already, without a deadline).
    private let insertSuffix: String
    /// Whether rows set columns of rows already in (``TransferSchema`` `submission_client`).
    private let isUpdate: Bool

    init(_ table: TransferTable, in session: PostgresBlockingSession) throws {
        self.table = table
        // Two tables of the SQLite layout are columns or rows of another here.
        let stored: String, columns: [String]
        switch table.name {
        case "survey_deadline":
            stored = "survey_state"
            columns = table.columns
            select = "SELECT survey_id, closes_at_ms FROM survey_state WHERE closes_at_ms IS NOT NULL ORDER BY survey_id"
            count = "SELECT count(*) FROM survey_state WHERE closes_at_ms IS NOT NULL"
            insertSuffix = " ON CONFLICT (survey_id) DO UPDATE SET closes_at_ms = excluded.closes_at_ms"
            isUpdate = false
        case "submission_client":
            stored = "submission"
            columns = ["seq", "client_key"]
            select = "SELECT seq, client_key FROM submission WHERE client_key IS NOT NULL ORDER BY seq"
            count = "SELECT count(*) FROM submission WHERE client_key IS NOT NULL"
            insertSuffix = ""
            isUpdate = true
        case "near_duplicate_generation":
            // Kept with the detector's revision here (0003-campaigns.sql); a copy starts its revisions anew.
            stored = "near_duplicate_state"
            columns = table.columns
            select = "SELECT survey_id, generation FROM near_duplicate_state ORDER BY survey_id"
            count = "SELECT count(*) FROM near_duplicate_state"
            insertSuffix = ""
            isUpdate = false
        case "question_tally", "option_tally", "number_tally":
            // A count is the sum of its shards (0006-tally-shards.sql); copied in, it lands in shard 0.
            stored = table.name
            columns = table.columns
            let keys = table.columns.dropLast().joined(separator: ", "), counted = table.columns.last!
            select = "SELECT \(keys), sum(\(counted))::bigint FROM \(table.name) GROUP BY \(keys) ORDER BY \(table.order)"
            count = "SELECT count(*) FROM \(table.name)"
            insertSuffix = ""
            isUpdate = false
        default:
            stored = table.name
            columns = table.columns
            select = "SELECT \(table.columns.joined(separator: ", ")) FROM \(table.name) ORDER BY \(table.order)"
            count = "SELECT count(*) FROM \(table.name)"
            insertSuffix = ""
            isUpdate = false
        }
        let catalog = Dictionary(
            try session.all(
                """
                SELECT column_name::text, data_type::text, is_identity::text FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = \(stored)
                """, as: (String, String, String).self
            ).map { ($0.0, ($0.1, $0.2 == "YES")) }, uniquingKeysWith: { first, _ in first })
        types = try zip(table.columns, columns).map { name, column in
            guard let (type, _) = catalog[column] else {
                throw TransferValueError(table: table.name, column: name, "this PostgreSQL database has no column \(stored).\(column)")
            }
            return type
        }
        let identity = columns.contains { catalog[$0]?.1 == true }
        // The search's words are not carried: they are cut here from the text, as storing it cuts them.
        wordsOf = catalog["words"] != nil && table.columns.contains("text") ? table.columns.firstIndex(of: "text") : nil
        insertPrefix = "INSERT INTO \(stored) (\((columns + (wordsOf == nil ? [] : ["words"])).joined(separator: ", ")))"
            + (identity ? " OVERRIDING SYSTEM VALUE" : "") + " VALUES "
    }

    /// The column whose text the `words` (`tsvector`) of a row are cut from, for the search's tables.
    private let wordsOf: Int?

    /// The value of column `index` of a row read here.
    func value(_ cell: PostgresCell, column index: Int) throws -> TransferValue {
        switch types[index] {
        case "text", "character varying":
            return try cell.decode(String?.self).map { .bytes(Data($0.utf8)) } ?? .null
        case "bytea":
            return try cell.decode(Data?.self).map { .bytes($0) } ?? .null
        case "bigint", "integer", "smallint":
            return try cell.decode(Int64?.self).map { .integer($0) } ?? .null
        case "double precision", "real":
            return try cell.decode(Double?.self).map { .real($0) } ?? .null
        case "boolean":
            return try cell.decode(Bool?.self).map { .integer($0 ? 1 : 0) } ?? .null
        default:
            throw TransferValueError(table: table.name, column: table.columns[index], "cannot copy a \(types[index]) column")
        }
    }

    /// Appends `value` to `binds` as column `index` takes it.
    func bind(_ value: TransferValue, column index: Int, to binds: inout PostgresBindings) throws {
        let column = table.columns[index]
        switch (value, types[index]) {
        case (.null, _):
            binds.appendNull()
        case (.bytes(let data), "text"), (.bytes(let data), "character varying"):
            // PostgreSQL's text holds neither U+0000 nor bytes that are not UTF-8: refused, never altered.
            guard !data.contains(0), let text = String(data: data, encoding: .utf8) else {
                throw TransferValueError(table: table.name, column: column, "a text PostgreSQL cannot hold as text (U+0000 or not UTF-8)")
            }
            binds.append(text)
        case (.bytes(let data), "bytea"):
            try binds.append(data)
        case (.integer(let integer), "bigint"), (.integer(let integer), "integer"), (.integer(let integer), "smallint"):
            binds.append(integer)
        case (.real(let real), "bigint") where real.rounded() == real, (.real(let real), "integer") where real.rounded() == real:
            binds.append(Int64(real))
        case (.real(let real), "double precision"), (.real(let real), "real"):
            binds.append(real)
        case (.integer(let integer), "double precision"), (.integer(let integer), "real"):
            binds.append(Double(integer))
        case (.integer(let integer), "boolean"):
            binds.append(integer != 0)
        default:
            throw TransferValueError(table: table.name, column: column, "\(value) cannot be stored in a \(types[index]) column")
        }
    }

    /// Inserts `rows` (or, for a table stored as columns of another, sets them).
    func insert(_ rows: [[TransferValue]], in session: PostgresBlockingSession) throws {
        if isUpdate {
            for row in rows {
                var binds = PostgresBindings()
                try bind(row[0], column: 0, to: &binds)
                try bind(row[1], column: 1, to: &binds)
                try session.execute(PostgresQuery(unsafeSQL: "UPDATE submission SET client_key = $2 WHERE seq = $1", binds: binds))
            }
            return
        }
        let width = table.columns.count + (wordsOf == nil ? 0 : 1)
        // PostgreSQL takes at most 65,535 parameters a statement.
        for start in stride(from: 0, to: rows.count, by: max(1, 60_000 / width)) {
            let part = rows[start..<min(rows.count, start + max(1, 60_000 / width))]
            var binds = PostgresBindings(capacity: part.count * width)
            var tuples: [String] = []
            for row in part {
                let first = binds.count + 1
                for index in 0..<table.columns.count { try bind(row[index], column: index, to: &binds) }
                var placeholders = (first..<first + table.columns.count).map { "$\($0)" }
                if let wordsOf {
                    if case .bytes(let text) = row[wordsOf] {
                        binds.append(try SearchWords.vector(of: String(decoding: text, as: UTF8.self)))
                    } else {
                        binds.appendNull()
                    }
                    placeholders.append("$\(first + table.columns.count)::tsvector")
                }
                tuples.append("(" + placeholders.joined(separator: ", ") + ")")
            }
            try session.execute(PostgresQuery(unsafeSQL: insertPrefix + tuples.joined(separator: ", ") + insertSuffix, binds: binds))
        }
    }

    /// Sets column `index` of the row whose first column is `key` (a reference to a later row).
    func update(column index: Int, to value: TransferValue, whereKey key: TransferValue, in session: PostgresBlockingSession) throws {
        var binds = PostgresBindings()
        try bind(value, column: index, to: &binds)
        try bind(key, column: 0, to: &binds)
        try session.execute(PostgresQuery(
            unsafeSQL: "UPDATE \(table.name) SET \(table.columns[index]) = $1 WHERE \(table.columns[0]) = $2", binds: binds))
    }

    /// Moves every identity column's sequence past the highest value copied in.
    static func resumeIdentities(in session: PostgresBlockingSession) throws {
        let identities = try session.all(
            """
            SELECT table_name::text, column_name::text FROM information_schema.columns
            WHERE table_schema = current_schema() AND is_identity = 'YES'
            """, as: (String, String).self)
        for (table, column) in identities {
            try session.execute(PostgresQuery(unsafeSQL: """
                SELECT setval(pg_get_serial_sequence('\(table)', '\(column)'), coalesce(max(\(column)), 1), max(\(column)) IS NOT NULL)
                FROM \(table)
                """))
        }
    }
}
