"""The REFI-QDA exports read by independent readers: a real `consult serve` on a seeded database
(synthetic submissions from `consult generate`; themes and codings inserted with sqlite3, since the
coding API is another part of the reading room), the `.qdpx` downloaded, unzipped, `project.qde`
validated with `xmllint --schema ../shared/refi-qda/Project.xsd`, and every coding's selected
characters checked with zipfile + ElementTree against the words coded; the `.qdc` validated against
Codebook.xsd and round-tripped into another survey; bad codebooks refused with nothing stored.

Usage: python3 Tests/Readers/refiqda_test.py --consult .build/debug/consult
"""
from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest
import uuid
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPOSITORY / "Scripts" / "fault"))

from consult_server import ConsultServer  # noqa: E402

SCHEMAS = os.path.join(str(REPOSITORY), "..", "shared", "refi-qda")
SURVEY = "neurotech-2025"
OTHER_SURVEY = "ai-risk-assessment"
PROJECT = {"q": "urn:QDA-XML:project:1.0"}
CODEBOOK = {"c": "urn:QDA-XML:codebook:1.0"}
CONSULT_BINARY = ""
CRLF_TEXT = "Erste Zeile\r\nzweite Zeile\r\nthe implant words here"


def xmllint(document: Path, schema: str) -> subprocess.CompletedProcess:
    return subprocess.run(["xmllint", "--noout", "--schema", os.path.join(SCHEMAS, schema), str(document)],
                          capture_output=True, text=True, timeout=120)


class REFIQDAReaderTest(unittest.TestCase):
    folder: Path
    server: ConsultServer
    token: str
    expected: dict[str, str]
    withheld: set[str]

    @classmethod
    def setUpClass(cls) -> None:
        cls.folder = Path(tempfile.mkdtemp(prefix="consult-refiqda-"))
        try:
            cls.seed()
            cls.log = open(cls.folder / "consult.log", "ab")
            cls.server = ConsultServer(CONSULT_BINARY, str(cls.folder / "consult.sqlite"), cls.log)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls) -> None:
        if getattr(cls, "server", None) is not None:
            cls.server.stop()
        if getattr(cls, "log", None) is not None:
            cls.log.close()
        shutil.rmtree(cls.folder, ignore_errors=True)

    @classmethod
    def consult(cls, *arguments: str) -> str:
        return subprocess.run([CONSULT_BINARY, *arguments, "--db", str(cls.folder / "consult.sqlite")], check=True,
                              capture_output=True, text=True, timeout=600).stdout

    @classmethod
    def seed(cls) -> None:
        cls.consult("generate", SURVEY, "--count", "300", "--seed", "14", "--surveys", str(REPOSITORY / "Surveys"))
        cls.token = cls.consult("token", "create", "--role", "analyst", "--name", "Ada Analyst").strip()
        cls.consult("token", "create", "--role", "analyst", "--name", "Bo Coder")
        db = sqlite3.connect(cls.folder / "consult.sqlite")
        with db:
            # open_text as the ingest keeps it (the search part's work): filled from the stored answers.
            db.executescript("""
                INSERT OR IGNORE INTO open_text (submission_seq, question, kind, text)
                    SELECT a.submission_seq, q.code, CASE WHEN a.option IS NULL THEN 'answer' ELSE 'other' END, a.text
                    FROM answer_value a JOIN answer_code q ON q.id = a.question WHERE a.text IS NOT NULL;
                INSERT OR IGNORE INTO open_text (submission_seq, question, kind, text)
                    SELECT seq, '', 'sector', other_sector_text FROM submission WHERE other_sector_text IS NOT NULL;
            """)
            coders = [row[0] for row in db.execute("SELECT id FROM role_token ORDER BY id")]
            themes = []

            def theme(name, parent, depth, colour, retired=False):
                guid = str(uuid.uuid4()).upper()
                db.execute("""INSERT INTO theme (survey_id, guid, parent_id, depth, name, description, colour, created_at_ms,
                              retired_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)""",
                           (SURVEY, guid, parent, depth, name, f"What people say about {name.lower()} & <why>", colour,
                            2 if retired else None))
                themes.append(db.execute("SELECT last_insert_rowid()").fetchone()[0])
                return themes[-1]

            risks = theme("Risks", None, 1, "#CC0000")
            privacy = theme("Privacy", risks, 2, "#AA3300")
            theme("Neural data", privacy, 3, "#881100")
            theme("Uses", None, 1, "#0055AA")
            theme("Old framing", None, 1, "#777777", retired=True)

            crlf = db.execute("""SELECT o.id FROM open_text o JOIN submission s ON s.seq = o.submission_seq
                                 WHERE s.publication = 'public_anonymous' AND o.question = 'uses_comments'
                                 ORDER BY o.id LIMIT 1""").fetchone()[0]
            db.execute("UPDATE open_text SET text = ? WHERE id = ?", (CRLF_TEXT, crlf))

            personal = {"organisation", "respondent_name", "contact_email"}
            cls.expected, cls.withheld = {}, set()
            rows = db.execute("""SELECT o.id, o.submission_seq, o.question, o.kind, o.text, s.publication
                                 FROM open_text o JOIN submission s ON s.seq = o.submission_seq ORDER BY o.id""").fetchall()
            for index, (row_id, seq, question, kind, text, publication) in enumerate(rows):
                words = list(re.finditer(r"\w+", text))
                if not words:
                    continue
                if row_id == crlf:
                    word = re.search("implant words", text)
                    spans = [(word.start(), word.end())]
                else:
                    # The last word, and every fifth text whole.
                    spans = [(words[-1].start(), words[-1].end())] + ([None] if index % 5 == 0 else [])
                for n, span in enumerate(spans):
                    guid = str(uuid.uuid4()).upper()
                    removed = index % 11 == 3 and row_id != crlf
                    earlier = index % 13 == 4 and row_id != crlf
                    db.execute("""INSERT INTO coding (guid, survey_id, theme_id, submission_seq, question, kind, version,
                                  start_offset, end_offset, on_earlier_text, coder_id, coded_at_ms, removed_at_ms, removed_by)
                                  VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, 1795000000000, ?, ?)""",
                               (guid, SURVEY, themes[(index + n) % len(themes)], seq, question, kind,
                                span[0] if span else None, span[1] if span else None, int(earlier),
                                coders[index % 2], 1795000100000 if removed else None, coders[0] if removed else None))
                    leaves = publication != "confidential" and (question not in personal or publication == "public_named")
                    if removed:
                        continue
                    if not leaves or earlier:
                        cls.withheld.add(guid)
                        continue
                    chosen = text[span[0]:span[1]] if span else text
                    cls.expected[guid] = chosen.replace("\r\n", "\n").replace("\r", "\n")
        db.close()

    def get(self, path: str, method: str = "GET", body: bytes | None = None, token: str | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=120)
        try:
            headers = {"Authorization": f"Bearer {token or self.token}"}
            if body is not None:
                headers["Content-Type"] = "application/xml"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def test_the_project_validates_and_every_coding_is_on_its_words(self):
        status, headers, body = self.get(f"/api/v1/surveys/{SURVEY}/project.qdpx")
        self.assertEqual(status, 200, body[:500])
        self.assertEqual(headers.get("Content-Type"), "application/zip")
        self.assertIn("project.qdpx", headers.get("Content-Disposition", ""))
        archive = zipfile.ZipFile(io.BytesIO(body))
        self.assertIsNone(archive.testzip())
        unpacked = self.folder / "unpacked"
        archive.extractall(unpacked)
        lint = xmllint(unpacked / "project.qde", "Project.xsd")
        self.assertEqual(lint.returncode, 0, lint.stderr[-2000:])

        root = ET.parse(unpacked / "project.qde").getroot()
        users = {user.get("guid"): user.get("name") for user in root.iterfind("q:Users/q:User", PROJECT)}
        self.assertEqual(sorted(users.values()), ["Ada Analyst", "Bo Coder"])
        codes = {code.get("guid") for code in root.iter("{urn:QDA-XML:project:1.0}Code")}
        found = {}
        for source in root.iterfind("q:Sources/q:TextSource", PROJECT):
            path = source.get("plainTextPath")
            self.assertTrue(path.startswith("internal://"))
            raw = (unpacked / "Sources" / path[len("internal://"):]).read_bytes()
            self.assertNotIn(b"\r", raw)
            text = raw.decode("utf-8")
            for selection in source.iterfind("q:PlainTextSelection", PROJECT):
                start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
                for coding in selection.iterfind("q:Coding", PROJECT):
                    self.assertIn(coding.get("creatingUser"), users)
                    self.assertIn(coding.find("q:CodeRef", PROJECT).get("targetGUID"), codes)
                    found[coding.get("guid")] = text[start:end]
        self.assertGreater(len(self.expected), 100)
        self.assertEqual(set(found), set(self.expected))
        for guid, words in self.expected.items():
            self.assertEqual(found[guid], words, guid)
        self.assertIn("implant words", found.values())
        self.assertTrue(self.withheld.isdisjoint(found))
        cases = root.findall("q:Cases/q:Case", PROJECT)
        self.assertEqual(len(cases), 300)
        self.assertIn("confidential", {value.findtext("q:TextValue", namespaces=PROJECT)
                                       for case in cases for value in case.iterfind("q:VariableValue", PROJECT)})

    def test_head_sends_headers_only_and_a_download_is_audited(self):
        status, headers, body = self.get(f"/api/v1/surveys/{SURVEY}/project.qdpx", method="HEAD")
        self.assertEqual((status, body), (200, b""))
        self.get(f"/api/v1/surveys/{SURVEY}/project.qdpx")
        db = sqlite3.connect(self.folder / "consult.sqlite")
        try:
            count = db.execute("SELECT count(*) FROM audit_entry WHERE action = 'export.downloaded' "
                               "AND subject = 'project.qdpx' AND actor = 'analyst:Ada Analyst'").fetchone()[0]
        finally:
            db.close()
        self.assertGreaterEqual(count, 1)

    @staticmethod
    def tree(document: bytes) -> list:
        def walk(parent):
            return [(code.get("name"), code.get("color"), code.get("isCodable"),
                     code.findtext("c:Description", namespaces=CODEBOOK), walk(code))
                    for code in parent.findall("c:Code", CODEBOOK)]
        return walk(ET.fromstring(document).find("c:Codes", CODEBOOK))

    def test_the_codebook_validates_and_round_trips_into_another_survey(self):
        status, headers, original = self.get(f"/api/v1/surveys/{SURVEY}/codebook.qdc")
        self.assertEqual(status, 200, original[:500])
        (self.folder / "codebook.qdc").write_bytes(original)
        lint = xmllint(self.folder / "codebook.qdc", "Codebook.xsd")
        self.assertEqual(lint.returncode, 0, lint.stderr)
        tree = self.tree(original)
        self.assertEqual([name for name, *_ in tree], ["Old framing", "Risks", "Uses"])
        self.assertEqual(tree[0][2], "false")
        self.assertEqual(tree[1][4][0][4][0][0], "Neural data")

        status, _, reply = self.get(f"/api/v1/surveys/{OTHER_SURVEY}/codebook.qdc", method="PUT", body=original)
        self.assertEqual(status, 201, reply)
        self.assertEqual(json.loads(reply)["created"], 5)
        status, _, copy = self.get(f"/api/v1/surveys/{OTHER_SURVEY}/codebook.qdc")
        self.assertEqual(status, 200)
        self.assertEqual(self.tree(copy), tree)

        db = sqlite3.connect(self.folder / "consult.sqlite")
        try:
            audited = db.execute("SELECT actor, new_value FROM audit_entry WHERE action = 'themes.imported' "
                                 "AND survey_id = ?", (OTHER_SURVEY,)).fetchall()
        finally:
            db.close()
        self.assertEqual(audited, [("analyst:Ada Analyst", "5 themes")])

        # The same file again clashes with the top-level names: 409, nothing added.
        status, _, reply = self.get(f"/api/v1/surveys/{OTHER_SURVEY}/codebook.qdc", method="PUT", body=original)
        self.assertEqual(status, 409, reply)
        self.assertEqual(self.tree(self.get(f"/api/v1/surveys/{OTHER_SURVEY}/codebook.qdc")[2]), tree)

    def test_bad_codebooks_are_refused_and_change_nothing(self):
        def code(name, inner=""):
            return f'<Code guid="{uuid.uuid4()}" name="{name}" isCodable="true" color="#a1b">{inner}</Code>'

        def book(codes):
            return f'<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{codes}</Codes></CodeBook>'.encode()

        laughs = ('<?xml version="1.0"?><!DOCTYPE CodeBook [<!ENTITY a "ha">'
                  + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
                  + ']><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="0902CDEB-AC64-4854-954E-5FD5F1CBB172"'
                  ' name="&j;" isCodable="true"/></Codes></CodeBook>').encode()
        external = ('<?xml version="1.0"?><!DOCTYPE CodeBook [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="0902CDEB-AC64-4854-954E-5FD5F1CBB172"'
                    ' name="&x;" isCodable="true"/></Codes></CodeBook>').encode()
        cases = [
            (book(code("A", code("B", code("C", code("Too deep"))))), 422, 'Code \\"Too deep\\" is nested 4 levels deep'),
            (book(code("Twin") + code("Twin")), 422, "same name"),
            (b"<CodeBook><Codes>", 400, "codebook.qdc:1"),
            (laughs, 400, "DOCTYPE"),
            (external, 400, "DOCTYPE"),
            (book('<Code guid="nope" name="A" isCodable="true"/>'), 422, "guid"),
            (book(code("A")) + b" " * (1 << 20), 413, "payload-too-large"),
        ]
        survey = SURVEY
        before = self.get(f"/api/v1/surveys/{survey}/codebook.qdc")[2]
        for body, status, words in cases:
            with self.subTest(status=status, words=words):
                got, headers, reply = self.get(f"/api/v1/surveys/{survey}/codebook.qdc", method="PUT", body=body)
                self.assertEqual(got, status, reply)
                self.assertEqual(headers.get("Content-Type"), "application/problem+json")
                self.assertIn(words, reply.decode())
        self.assertEqual(self.get(f"/api/v1/surveys/{survey}/codebook.qdc")[2], before)
        status, _, _ = self.get(f"/api/v1/surveys/{SURVEY}/codebook.qdc", method="PUT", body=book(code("X")), token="nope")
        self.assertEqual(status, 401)


class REFIQDACommandLineTest(unittest.TestCase):
    """`consult export --format qdpx|qdc` and `consult themes import` on a database of their own."""

    def setUp(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="consult-refiqda-cli-"))

    def tearDown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def consult(self, *arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run([CONSULT_BINARY, *arguments, "--db", str(self.folder / "consult.sqlite"),
                               "--surveys", str(REPOSITORY / "Surveys")], capture_output=True, text=True, timeout=600)

    def test_export_and_import_from_the_command_line(self):
        self.assertEqual(self.consult("generate", SURVEY, "--count", "20").returncode, 0)
        source = self.folder / "source.qdc"
        source.write_text('<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
                          '<Code guid="{0902cdeb-ac64-4854-954e-5fd5f1cbb172}" name="Risks" isCodable="true" color="#c00">'
                          '<Description>Harms</Description>'
                          '<Code guid="DD2392D8-0DC0-475F-9D4D-BCE3A05B201F" name="Privacy" isCodable="false"/></Code>'
                          '</Codes></CodeBook>')
        imported = self.consult("themes", "import", SURVEY, str(source))
        self.assertEqual(imported.returncode, 0, imported.stderr)
        self.assertIn("2 themes imported", imported.stdout)

        exported = self.consult("export", SURVEY, "--format", "qdc", "--out", str(self.folder / "out"))
        self.assertEqual(exported.returncode, 0, exported.stderr)
        codebook = self.folder / "out" / "codebook.qdc"
        self.assertEqual(xmllint(codebook, "Codebook.xsd").returncode, 0)
        root = ET.parse(codebook).getroot()
        risks = root.find("c:Codes/c:Code", CODEBOOK)
        self.assertEqual((risks.get("guid"), risks.get("color"), risks.findtext("c:Description", namespaces=CODEBOOK)),
                         ("0902CDEB-AC64-4854-954E-5FD5F1CBB172", "#CC0000", "Harms"))
        self.assertEqual(risks.find("c:Code", CODEBOOK).get("isCodable"), "false")

        project = self.consult("export", SURVEY, "--format", "qdpx", "--out", str(self.folder / "project"))
        self.assertEqual(project.returncode, 0, project.stderr)
        self.assertEqual(sorted(os.listdir(self.folder / "project")), ["project.qdpx"])
        with zipfile.ZipFile(self.folder / "project" / "project.qdpx") as archive:
            archive.extract("project.qde", self.folder)
        self.assertEqual(xmllint(self.folder / "project.qde", "Project.xsd").returncode, 0)

        deep = self.folder / "deep.qdc"
        deep.write_text('<?xml version="1.0"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>\n'
                        + "".join(f'<Code guid="{uuid.uuid4()}" name="L{n}" isCodable="true">\n' for n in range(4))
                        + "</Code>" * 4 + "</Codes></CodeBook>")
        refused = self.consult("themes", "import", SURVEY, str(deep))
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn(f"{deep}:6: Code \"L3\" is nested 4 levels deep", refused.stderr)


def main() -> None:
    global CONSULT_BINARY
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--consult", required=True, help="the consult binary")
    options, rest = parser.parse_known_args()
    CONSULT_BINARY = str(Path(options.consult).resolve())
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
