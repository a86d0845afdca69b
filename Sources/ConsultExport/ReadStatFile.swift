import CReadStat
import Foundation

/// A failure reported by ReadStat while writing an SPSS or Stata file.
public struct ReadStatError: Error, CustomStringConvertible {
    public let description: String
}

/// A thin owner of one ReadStat writer: declares the variables and their labels, then takes the
/// rows one by one; ReadStat's bytes go to a ``BufferedOutput``. Memory stays flat, except for the
/// texts of Stata `strL` variables: ReadStat sizes the file's map from them when the first row
/// begins, so they are all handed over first (``keep(_:)``) and held until they are written after
/// the rows.
final class ReadStatFile {
    /// How a variable is stored.
    enum Storage {
        /// A double; `ten` places the SPSS missing codes (nil: system-missing stands for every reason).
        case number(ten: Double?)
        case instant
        case string
        /// A Stata `strL`.
        case stringRef
    }

    /// Seconds from SPSS's epoch (1582-10-14) to 1970-01-01.
    static let spssEpochOffset: Double = 12_219_379_200
    /// Milliseconds from Stata's epoch (1960-01-01) to 1970-01-01.
    static let stataEpochOffset: Double = 315_619_200_000
    /// The largest magnitude a Stata double holds (Stata's `c(maxdouble)`).
    static let stataLargestDouble: Double = 8.988465674311579e307

    private let writer: UnsafeMutablePointer<readstat_writer_t>
    private let output: BufferedOutput
    private let format: StatisticalFileFormat
    private var variables: [UnsafeMutablePointer<readstat_variable_t>] = []
    private var storage: [Storage] = []
    private var emptyReference: UnsafeMutablePointer<readstat_string_ref_t>?
    /// The `strL` texts handed over by ``keep(_:)``, in the order ``write(_:)`` uses them.
    private var kept: [UnsafeMutablePointer<readstat_string_ref_t>] = []
    private var nextKept = 0
    /// The error of the last failed write to `output`, reported instead of ReadStat's generic one.
    private var outputError: Error?

    init(format: StatisticalFileFormat, output: BufferedOutput, label: String, timestamp: Date) throws {
        guard let writer = readstat_writer_init() else { throw ReadStatError(description: "ReadStat could not start a writer") }
        self.writer = writer
        self.output = output
        self.format = format
        try check(readstat_set_data_writer(writer) { data, length, context in
            guard let data, let context else { return -1 }
            let file = Unmanaged<ReadStatFile>.fromOpaque(context).takeUnretainedValue()
            do {
                try file.output.write(UnsafeRawBufferPointer(start: data, count: length))
                return length
            } catch {
                file.outputError = error
                return -1
            }
        })
        try check(readstat_writer_set_file_label(writer, label))
        try check(readstat_writer_set_file_timestamp(writer, time_t(timestamp.timeIntervalSince1970)))
        if format == .sav { try check(readstat_writer_set_compression(writer, READSTAT_COMPRESS_ROWS)) }
    }

    deinit {
        readstat_writer_free(writer)
    }

    /// Declares a variable, with its value labels and missing values.
    func add(_ variable: StatisticalVariable, storage: Storage, width: Int) throws {
        let type: readstat_type_t
        switch storage {
        case .number, .instant: type = READSTAT_TYPE_DOUBLE
        case .string: type = READSTAT_TYPE_STRING
        case .stringRef: type = READSTAT_TYPE_STRING_REF
        }
        guard let pointer = readstat_add_variable(writer, variable.name, type, width) else {
            throw ReadStatError(description: "ReadStat refused the variable \(variable.name)")
        }
        readstat_variable_set_label(pointer, variable.label)
        switch variable.measure {
        case .nominal: readstat_variable_set_measure(pointer, READSTAT_MEASURE_NOMINAL)
        case .ordinal: readstat_variable_set_measure(pointer, READSTAT_MEASURE_ORDINAL)
        case .scale: readstat_variable_set_measure(pointer, READSTAT_MEASURE_SCALE)
        }
        if case .instant = storage {
            readstat_variable_set_format(pointer, format == .sav ? "DATETIME23.3" : "%tc")
        }
        if case .number(let ten) = storage {
            try addLabels(variable, ten: ten, to: pointer)
        }
        variables.append(pointer)
        self.storage.append(storage)
    }

    private func addLabels(_ variable: StatisticalVariable, ten: Double?, to pointer: UnsafeMutablePointer<readstat_variable_t>) throws {
        guard !variable.valueLabels.isEmpty || variable.takesMissing else { return }
        switch format {
        case .sav:
            guard let set = readstat_add_label_set(writer, READSTAT_TYPE_DOUBLE, variable.name) else {
                throw ReadStatError(description: "ReadStat refused the value labels of \(variable.name)")
            }
            for (value, label) in variable.valueLabels { readstat_label_double_value(set, Double(value), label) }
            if variable.takesMissing, let ten {
                for reason in MissingReason.allCases {
                    let code = reason.spssCode(ten: ten)
                    readstat_label_double_value(set, code, StatisticalText.valueLabel(reason.label, for: format))
                    try check(readstat_variable_add_missing_double_value(pointer, code))
                }
            }
            readstat_variable_set_label_set(pointer, set)
        case .dta:
            guard let set = readstat_add_label_set(writer, READSTAT_TYPE_INT32, variable.name) else {
                throw ReadStatError(description: "ReadStat refused the value labels of \(variable.name)")
            }
            for (value, label) in variable.valueLabels { readstat_label_int32_value(set, Int32(clamping: value), label) }
            if variable.takesMissing {
                for reason in MissingReason.allCases { readstat_label_tagged_value(set, reason.stataTag, reason.label) }
            }
            readstat_variable_set_label_set(pointer, set)
        }
    }

    /// Hands ReadStat the text of a `strL` cell before any row is written: every `strL` cell's text,
    /// row by row, in the order of the variables.
    func keep(_ text: String) throws {
        kept.append(try reference(text))
    }

    /// Writes the file's header; `rows` rows must follow.
    func begin(rows: Int) throws {
        let context = Unmanaged.passUnretained(self).toOpaque()
        switch format {
        case .sav: try check(readstat_begin_writing_sav(writer, context, rows))
        case .dta: try check(readstat_begin_writing_dta(writer, context, rows))
        }
    }

    /// Writes one row: one value per variable, in the order they were added.
    func write(_ values: [StatisticalValue]) throws {
        try check(readstat_begin_row(writer))
        for (index, value) in values.enumerated() {
            let variable = variables[index]
            switch (value, storage[index]) {
            case (.number(let number), _) where format == .dta && abs(number) > Self.stataLargestDouble:
                // Stata's doubles stop short of IEEE's (its top values code missing ones): such a
                // number becomes the extended missing value `.d` (Exports/README.md).
                try check(readstat_insert_tagged_missing_value(writer, variable, CChar(UInt8(ascii: "d"))))
            case (.number(let number), _):
                try check(readstat_insert_double_value(writer, variable, number))
            case (.instant(let date), _):
                let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
                let value = format == .sav ? milliseconds / 1000 + Self.spssEpochOffset : milliseconds + Self.stataEpochOffset
                try check(readstat_insert_double_value(writer, variable, value))
            case (.missing(let reason), .number(let ten)):
                switch format {
                case .sav:
                    if let ten {
                        try check(readstat_insert_double_value(writer, variable, reason.spssCode(ten: ten)))
                    } else {
                        try check(readstat_insert_missing_value(writer, variable))
                    }
                case .dta:
                    try check(readstat_insert_tagged_missing_value(writer, variable, reason.stataTag))
                }
            case (.missing, _):
                try check(readstat_insert_missing_value(writer, variable))
            case (.text, .stringRef):
                guard nextKept < kept.count else { throw ReadStatError(description: "a long text was not kept before the rows") }
                try check(readstat_insert_string_ref(writer, variable, kept[nextKept]))
                nextKept += 1
            case (.text(let text), _):
                try check(text.withCString { readstat_insert_string_value(writer, variable, $0) })
            }
        }
        try check(readstat_end_row(writer))
    }

    /// Writes what ReadStat holds back (Stata's `strL`s) and the end of the file.
    func finish() throws {
        try check(readstat_end_writing(writer))
    }

    private func reference(_ text: String) throws -> UnsafeMutablePointer<readstat_string_ref_t> {
        if text.isEmpty, let emptyReference { return emptyReference }
        guard let reference = readstat_add_string_ref(writer, text) else {
            throw ReadStatError(description: "ReadStat could not keep a long text")
        }
        if text.isEmpty { emptyReference = reference }
        return reference
    }

    private func check(_ error: readstat_error_t) throws {
        guard error != READSTAT_OK else { return }
        if let outputError { throw outputError }
        throw ReadStatError(description: "ReadStat: " + String(cString: readstat_error_message(error)))
    }
}
