// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "consult",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "consult", targets: ["ConsultCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // Position papers (issue 16): the streaming multipart/form-data parser of the upload form.
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        // PostgreSQL (issue 18): the client of the PostgreSQL store.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        /// The domain: survey model, definition and answer checks, deadline policy, scoring. Foundation only, no I/O.
        .target(name: "ConsultCore"),
        /// Reads survey definition files (YAML) from disk into the domain model.
        .target(
            name: "SurveyFiles",
            dependencies: ["ConsultCore", .product(name: "Yams", package: "Yams")]
        ),
        /// The SQLite store: schema, migrations, submissions, drafts, tokens, audit log, receipts' key.
        .target(
            name: "ConsultStore",
            dependencies: [
                "ConsultCore",
                "ConsultLanguage",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                // Position papers: incremental BLOB I/O (sqlite3_blob_write).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        /// Realistic synthetic answers for tests and benchmarks.
        .target(name: "SyntheticResponses", dependencies: ["ConsultCore"]),
        /// libxml2, for its streaming XML writer.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        /// libxlsxwriter, for the XLSX exports in its constant-memory mode (issue 17).
        .systemLibrary(name: "CXLSXWriter", pkgConfig: "xlsxwriter", providers: [.apt(["libxlsxwriter-dev"])]),
        /// ReadStat, for writing SPSS .sav and Stata .dta files (no pkg-config file on Debian: the module map links it).
        .systemLibrary(name: "CReadStat", providers: [.apt(["libreadstat-dev"])]),
        /// Analyst exports: the analysis tables and raw responses as CSV, XML and ZIP.
        .target(
            name: "ConsultExport",
            dependencies: [
                "ConsultCore",
                "ConsultStore",
                "ConsultLanguage",
                "CLibXML2",
                "CXLSXWriter",
                "CReadStat",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        // Position papers (extract): text from attached files, for search and exports.
        /// Text from PDF (pdftotext in a limited subprocess), DOCX and ODT (their XML, with zip-bomb limits).
        .target(
            name: "TextExtraction",
            dependencies: ["CLibXML2", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        /// The HTTP service: JSON API, problem responses, roles, and the web pages.
        .target(
            name: "ConsultServer",
            dependencies: [
                "ConsultCore",
                "ConsultLanguage",
                "ConsultStore",
                "ConsultExport",
                "TextExtraction",
                "SurveyFiles",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // Position papers: uploads parsed as they stream in and hashed while spooled.
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Resources/openapi.json"), .copy("Resources/templates"), .copy("Resources/assets")]
        ),
        /// The `consult` command-line tool.
        .executableTarget(
            name: "ConsultCLI",
            dependencies: [
                "ConsultCore",
                "ConsultStore",
                // issue 18: `--db postgresql://…`.
                "ConsultPostgres",
                "ConsultExport",
                "ConsultServer",
                "ConsultLanguage",
                "SurveyFiles",
                "SyntheticResponses",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // lang (issue 15): the language of free texts, with CLD2 (C++, so a small C shim compiled here).
        /// CLD2 behind one `extern "C"` function (Debian's libcld2-dev has no pkg-config file: linked by name).
        .target(name: "CCLD2", linkerSettings: [.linkedLibrary("cld2")]),
        /// Guesses the language of a free text with CLD2; the rule that judges the guess is in ConsultCore.
        .target(name: "ConsultLanguage", dependencies: ["ConsultCore", "CCLD2"]),
        .testTarget(name: "ConsultLanguageTests", dependencies: ["ConsultLanguage", "ConsultCore"]),
        .testTarget(name: "ConsultCoreTests", dependencies: ["ConsultCore", "SurveyFiles"]),
        .testTarget(
            name: "SurveyFilesTests",
            dependencies: ["SurveyFiles", "ConsultCore"],
            exclude: ["BrokenSurveys"]
        ),
        .testTarget(
            name: "ConsultStoreTests",
            dependencies: [
                "ConsultStore", "ConsultCore", "SurveyFiles", "SyntheticResponses", .product(name: "GRDB", package: "GRDB.swift"),
                // Position papers: the tests hash files as a respondent would.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "ConsultExportTests",
            dependencies: [
                "ConsultExport", "ConsultCore", "ConsultStore", "SurveyFiles", "SyntheticResponses",
                // lang (issue 15): the language table's recount.
                "ConsultLanguage",
                // refiqda: tests insert themes and codings with SQL.
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "ConsultServerTests",
            dependencies: [
                "ConsultServer",
                "ConsultStore",
                "ConsultCore",
                "SurveyFiles",
                // Position papers (extract): tests run the extraction worker.
                "TextExtraction",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                // Position papers: the tests hash files as a respondent would.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // issue 18: the store's contract, run on every engine through ConsultStorage only.
        .testTarget(
            name: "StoreContractTests",
            dependencies: [
                "ConsultStore", "ConsultPostgres", "PostgresTestSupport", "ConsultCore", "SurveyFiles", "ConsultExport",
                "SyntheticResponses", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "ConsultCLITests",
            // issue 18: the commands on a throw-away PostgreSQL database.
            dependencies: ["ConsultCLI", "ConsultCore", "ConsultStore", "SurveyFiles", "PostgresTestSupport"]
        ),
        // Position papers (extract).
        .testTarget(
            name: "TextExtractionTests",
            dependencies: ["TextExtraction", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        // PostgreSQL (issue 18): connection settings, versioned migrations, and the throw-away test cluster.
        /// PostgreSQL: where the database is (URL parsing), and the versioned SQL migrations applied at start.
        .target(
            name: "ConsultPostgres",
            dependencies: [
                "ConsultCore",
                // The roles it implements and the rules every engine shares (package access).
                "ConsultStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                // The migrations' checksums (SHA-256); PostgresNIO builds swift-crypto anyway.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Migrations")]
        ),
        /// Test support for every PostgreSQL-backed test: one throw-away cluster per test process, a fresh database per test.
        .target(
            name: "PostgresTestSupport",
            dependencies: [
                "ConsultPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/PostgresTestSupport"
        ),
        .testTarget(
            name: "ConsultPostgresTests",
            dependencies: [
                "ConsultPostgres",
                "PostgresTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
