import ConsultPostgres
import Testing

@Suite("Migration files cut into statements")
struct SQLScriptTests {
    @Test("semicolons inside quotes, dollar quotes, identifiers and comments do not cut")
    func quotedSemicolons() throws {
        let script = """
            -- leading comment; not a statement
            CREATE TABLE "odd;name" (note text DEFAULT 'a;b', other text DEFAULT E'it\\'s;');
            /* block; /* nested; */ still comment; */
            CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;
            DO $$ BEGIN PERFORM 1; END $$;
            INSERT INTO t VALUES ('it''s; fine')
            """
        let statements = try SQLScript.statements(in: script)
        #expect(statements.count == 4)
        #expect(statements[0].hasPrefix("-- leading comment; not a statement\nCREATE TABLE \"odd;name\""))
        #expect(statements[0].hasSuffix("other text DEFAULT E'it\\'s;')"))
        #expect(statements[1].hasSuffix("$body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql"))
        #expect(statements[2] == "DO $$ BEGIN PERFORM 1; END $$")
        #expect(statements[3] == "INSERT INTO t VALUES ('it''s; fine')")
    }

    @Test("$1 and identifiers with $ are not dollar quotes; comment-only and empty pieces are dropped")
    func notDollarQuotes() throws {
        let statements = try SQLScript.statements(in: "SELECT $1, a$b$c FROM t;;\n -- trailing\n ; ")
        #expect(statements == ["SELECT $1, a$b$c FROM t"])
        #expect(try SQLScript.statements(in: "").isEmpty)
    }

    @Test(
        "an unclosed quote, dollar quote or comment is refused with its line",
        arguments: [
            ("SELECT 1;\nSELECT 'open", SQLScriptError.unclosedQuote(line: 2)),
            ("SELECT \"open", .unclosedQuote(line: 1)),
            ("\n\nDO $x$ BEGIN END $y$", .unclosedDollarQuote(line: 3)),
            ("SELECT 1; /* /* */", .unclosedComment(line: 1)),
        ]
    )
    func unclosed(script: String, expected: SQLScriptError) {
        #expect(throws: expected) { try SQLScript.statements(in: script) }
    }
}
