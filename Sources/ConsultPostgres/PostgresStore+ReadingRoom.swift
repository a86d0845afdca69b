import ConsultStore

// issue 18: the reading room's roles on PostgreSQL, named as in ConsultStorage.
extension PostgresStore {
    /// Full-text search of the open answers.
    public var textSearch: any TextSearch { PostgresTextSearch(store: self) }

    /// Submissions found by their pseudonymous respondent id.
    public var respondents: any RespondentDirectory { PostgresRespondentDirectory(store: self) }

    /// The surveys' codebooks of themes.
    public var themeBook: any ThemeBook { PostgresThemeBook(store: self) }

    /// The codings of free texts.
    public var codingLedger: any CodingLedger { PostgresCodingLedger(store: self) }

    /// The codebook and its counts, for the analysis tables.
    public var themeCounts: any ThemeCounts { PostgresThemeCounts(store: self) }

    /// Imports codebooks into surveys.
    public var codebookImporter: any CodebookImporter { PostgresCodebookImporter(store: self) }
}

extension PostgresStore {
    /// One theme applied to every text a search finds.
    public var bulkCodings: any BulkCodings { PostgresBulkCodings(store: self) }
}
