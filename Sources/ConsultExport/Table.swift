/// What kind of values a column holds.
public enum ColumnType: String, Sendable, Hashable {
    case text
    case integer
    case decimal
}

/// A column of an exported table.
public struct Column: Sendable, Hashable {
    public let name: String
    public let type: ColumnType

    public init(_ name: String, _ type: ColumnType) {
        self.name = name
        self.type = type
    }
}

/// A table's name, title and columns, known before its rows are streamed.
public struct TableHeader: Sendable, Hashable {
    /// The table's name: its CSV file is `<name>.csv`.
    public let name: String
    public let title: String
    public let columns: [Column]

    public init(name: String, title: String, columns: [Column]) {
        self.name = name
        self.title = title
        self.columns = columns
    }
}

/// Receives tables one after the other, row by row: a CSV folder, an XML document.
public protocol TableSink: AnyObject {
    func begin(_ table: TableHeader) throws
    func row(_ cells: [Cell]) throws
    func end() throws
}
