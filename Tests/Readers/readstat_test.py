#!/usr/bin/env python3
"""The SPSS (.sav) and Stata (.dta) exports, as analysts get them, read back by pyreadstat.

    python3 Tests/Readers/readstat_test.py --consult .build/debug/consult [unittest options]

Makes a database of synthetic submissions with `consult generate`, starts the real `consult
serve` on it, downloads responses.sav and responses.dta through the API (and the analyst page's
links), and checks every file against the raw CSV export and the analysis codebook of the same
database: one variable per CSV column, the codebook's question texts as variable labels and its
option labels and scale points as value labels, every value equal, every empty CSV cell one of
the documented missing values. `consult export --format sav|dta` writes the same data.
"""
from __future__ import annotations

import argparse
import csv
import datetime
import http.client
import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import pyreadstat

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
REPOSITORY = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPOSITORY / "Scripts" / "fault"))
from consult_server import ConsultServer  # noqa: E402

SURVEY = "neurotech-2025"
COUNT = 400
CONSULT_BINARY = ""
FACTS = ["respondent", "received_at", "updated_at", "version", "declared_sector", "other_sector", "final_sector",
         "country", "m49_region", "m49_subregion", "interpol_region", "publication", "level",
         "cluster"]  # campaigns: the cluster of look-alike submissions
SPSS_MISSING = {-99.0: "not answered", -98.0: "not shown", -97.0: "withheld"}
STATA_MISSING = {"a": "not shown", "b": "not answered", "c": "withheld"}
OTHER = "Other (please specify)"


def neutralised(text: str) -> str:
    """As the CSV writes a text: an apostrophe before what a spreadsheet would run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def fitted(label: str, kind: str) -> str:
    """A variable label as each format keeps it (Exports/README.md): SPSS 256 bytes, Stata 80 characters."""
    limit_bytes, limit_chars = (256, 10**9) if kind == "sav" else (320, 80)
    if len(label.encode()) <= limit_bytes and len(label) <= limit_chars:
        return label
    kept = ""
    for char in label:
        if len((kept + char).encode()) > limit_bytes - 3 or len(kept) == limit_chars - 1:
            break
        kept += char
    return kept + "…"


class ReadStatExportTest(unittest.TestCase):
    folder: Path
    server: ConsultServer
    analyst: str

    @classmethod
    def setUpClass(cls) -> None:
        cls.folder = Path(tempfile.mkdtemp(prefix="consult-readstat-"))
        try:
            cls.db = cls.folder / "consult.sqlite"
            cls.cli("generate", SURVEY, "--count", str(COUNT), "--seed", "7", "--db", str(cls.db),
                    "--surveys", str(REPOSITORY / "Surveys"))
            cls.analyst = cls.cli("token", "create", "--role", "analyst", "--name", "Ana Analyst", "--db", str(cls.db))
            cls.log = open(cls.folder / "server.log", "wb")
            cls.server = ConsultServer(CONSULT_BINARY, str(cls.db), cls.log)
            text = cls.get(f"/api/v1/surveys/{SURVEY}/responses.csv").decode()
            cls.csv = list(csv.DictReader(io.StringIO(text, newline=""), strict=True))
            cls.header = next(csv.reader(io.StringIO(text, newline="")))
            codebook = cls.get(f"/api/v1/surveys/{SURVEY}/analysis/codebook.csv").decode()
            cls.codebook = list(csv.DictReader(io.StringIO(codebook, newline=""), strict=True))
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls) -> None:
        server = getattr(cls, "server", None)
        if server:
            server.stop()
        log = getattr(cls, "log", None)
        if log:
            log.close()
        shutil.rmtree(cls.folder, ignore_errors=True)

    @classmethod
    def cli(cls, *arguments: str) -> str:
        done = subprocess.run([CONSULT_BINARY, *arguments], capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise AssertionError(f"consult {' '.join(arguments)}: {done.returncode}\n{done.stdout}\n{done.stderr}")
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        return lines[-1].strip() if lines else ""

    @classmethod
    def get(cls, path: str, method: str = "GET", token: str | None = "analyst") -> bytes:
        status, _, body, _ = cls.fetch(path, method, token)
        if status != 200:
            raise AssertionError(f"{method} {path}: {status} {body[:300]!r}")
        return body

    @classmethod
    def fetch(cls, path: str, method: str = "GET", token: str | None = "analyst"):
        connection = http.client.HTTPConnection("127.0.0.1", cls.server.port, timeout=120)
        try:
            headers = {"Authorization": f"Bearer {cls.analyst}"} if token else {}
            connection.request(method, path, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type", ""), response.read(), response.headers
        finally:
            connection.close()

    def download(self, kind: str) -> tuple[Path, object, object]:
        """responses.<kind> from the API, saved and read by pyreadstat with user-missing values kept."""
        status, content_type, body, headers = self.fetch(f"/api/v1/surveys/{SURVEY}/responses.{kind}")
        self.assertEqual(status, 200, body[:300])
        self.assertEqual(content_type, {"sav": "application/x-spss-sav", "dta": "application/x-stata-dta"}[kind])
        self.assertEqual(headers["Content-Disposition"], f'attachment; filename="{SURVEY}-responses.{kind}"')
        self.assertEqual(headers["Cache-Control"], "no-store")
        path = self.folder / f"api.{kind}"
        path.write_bytes(body)
        df, meta = self.read(path)
        return path, df, meta

    @staticmethod
    def read(path: Path):
        reader = pyreadstat.read_sav if path.suffix == ".sav" else pyreadstat.read_dta
        return reader(str(path), user_missing=True)

    def bases(self) -> list[str]:
        """The CSV's columns without the `.answer` added to names already taken (Exports/README.md)."""
        taken, bases = set(), []
        for column in self.header:
            base = column
            while base.endswith(".answer") and base[:-len(".answer")] in taken:
                base = base[:-len(".answer")]
            taken.add(column)
            bases.append(base)
        return bases

    def codebook_labels(self) -> list[tuple[str, dict]]:
        """(variable label, value labels) of every question column of the CSV, from the codebook table."""
        questions: dict[str, dict] = {}
        for row in self.codebook:
            if not row["question"]:
                continue
            entry = questions.setdefault(row["question"], {"text": "", "type": row["type"], "codes": []})
            if row["code"] == "":
                entry["text"] = row["label"]
            else:
                entry["codes"].append((row["code"].lstrip("'"), row["label"], row["value"]))
        labelled = []
        for column in self.bases()[len(FACTS):]:
            question, _, part = column.partition(".")
            entry = questions[question]
            text, kind, codes = entry["text"], entry["type"], entry["codes"]
            points = {int(value): label for code, label, value in codes if value != "" and kind in ("scale", "matrix")}
            if kind == "single_choice" and not part:
                labelled.append((text, {index + 1: label for index, (_, label, _) in enumerate(codes)}))
            elif part == "other_text":
                labelled.append((f"[{OTHER}: text] {text}", {}))
            elif kind == "multiple_choice":
                label = dict((code, label) for code, label, _ in codes)[part]
                labelled.append((f"[{label}] {text}", {0: "not chosen", 1: "chosen"}))
            elif kind == "matrix":
                label = dict((code, label) for code, label, _ in codes)[part]
                labelled.append((f"[{label}] {text}", points))
            elif kind == "scale":
                labelled.append((text, points))
            else:
                labelled.append((text, {}))
        return labelled

    def check_file(self, kind: str, df, meta) -> None:
        names = meta.column_names
        self.assertEqual(len(names), len(self.header), "one variable per CSV column")
        pattern = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}" if kind == "sav" else r"[A-Za-z][A-Za-z0-9_]{0,31}")
        self.assertTrue(all(pattern.fullmatch(name) for name in names), names)
        self.assertEqual(len({name.upper() if kind == "sav" else name for name in names}), len(names))
        self.assertEqual(len(df), len(self.csv))
        self.assertEqual(len(df), COUNT)
        missing = SPSS_MISSING if kind == "sav" else STATA_MISSING

        # Variable and value labels: the codebook's.
        numeric = set()
        for index, (label, values) in enumerate(self.codebook_labels()):
            name = names[len(FACTS) + index]
            with self.subTest(kind=kind, variable=name):
                self.assertEqual(meta.column_names_to_labels[name], fitted(label, kind))
                if meta.readstat_variable_types[name] == "string":
                    self.assertNotIn(name, meta.variable_value_labels)
                    continue
                numeric.add(name)
                expected = {float(k): v for k, v in values.items()} | {k: v for k, v in missing.items()}
                read = {(k if isinstance(k, str) else float(k)): v for k, v in meta.variable_value_labels[name].items()}
                self.assertEqual(read, expected)
                if kind == "sav":
                    self.assertEqual(sorted(r["lo"] for r in meta.missing_ranges[name]), [-99.0, -98.0, -97.0])

        # Values: each equal to the CSV's cell; an empty numeric cell is a documented missing value.
        types = {row["question"]: row["type"] for row in self.codebook if row["question"]}
        bases = dict(zip(self.header, self.bases()))
        single_choice = {column for column in self.header[len(FACTS):] if types.get(bases[column]) == "single_choice"}
        codes_by_question = {}
        for row in self.codebook:
            if row["question"] and row["code"]:
                codes_by_question.setdefault(row["question"], {})[row["code"].lstrip("'")] = row["label"]
        reasons = set()
        for number, (csv_row, values) in enumerate(zip(self.csv, df.itertuples(index=False, name=None))):
            for column, name, value in zip(self.header, names, values):
                cell = csv_row[column]
                where = f"{kind} row {number} {name}"
                if column in ("received_at", "updated_at"):
                    stored = datetime.datetime.strptime(cell, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
                    self.assertEqual(round(value.timestamp() * 1000), round(stored.timestamp() * 1000), where)
                elif name not in numeric and column != "version":
                    self.assertIsInstance(value, str, where)
                    self.assertEqual(neutralised(value), cell.replace("\0", "\ufffd"), where)
                elif cell == "":
                    self.assertIn(value, missing, where)
                    reasons.add(missing[value])
                elif column in single_choice:
                    # The code's value label is the label of the option the CSV names.
                    label = OTHER if cell == "other" else codes_by_question[bases[column]][cell]
                    self.assertEqual(meta.variable_value_labels[name][value], label, where)
                else:
                    self.assertEqual(float(value), float(cell), where)
        # The survey's personal questions are texts, so "withheld" shows only as empty strings here; the
        # Swift tests (StatisticalExportTests) check each reason against the stored answers.
        self.assertEqual(reasons, {"not shown", "not answered"})

    def test_sav_from_the_api_equals_the_csv_and_the_codebook(self):
        _, df, meta = self.download("sav")
        self.check_file("sav", df, meta)

    def test_dta_from_the_api_equals_the_csv_and_the_codebook(self):
        _, df, meta = self.download("dta")
        self.check_file("dta", df, meta)

    def test_head_audit_and_refusals(self):
        for kind in ("sav", "dta"):
            path = f"/api/v1/surveys/{SURVEY}/responses.{kind}"
            status, _, body, headers = self.fetch(path, method="HEAD")
            self.assertEqual((status, body), (200, b""))
            self.assertIn(f"responses.{kind}", headers["Content-Disposition"])
            self.assertEqual(self.fetch(path, token=None)[0], 401)
            self.assertEqual(self.fetch(f"/api/v1/surveys/no-such-survey/responses.{kind}")[0], 404)
            before = self.downloads(kind)
            self.get(path)
            self.assertEqual(self.downloads(kind), before + 1, "each download is in the audit log")

    def downloads(self, kind: str) -> int:
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as db:
            return db.execute("SELECT count(*) FROM audit_entry WHERE action = 'export.downloaded' AND subject = ?",
                              (f"responses.{kind}",)).fetchone()[0]

    def test_the_cli_writes_the_same_data(self):
        for kind in ("sav", "dta"):
            out = self.folder / f"cli-{kind}"
            printed = self.cli("export", SURVEY, "--what", "raw", "--format", kind, "--out", str(out),
                               "--db", str(self.db), "--surveys", str(REPOSITORY / "Surveys"))
            self.assertEqual(printed, str(out / f"responses.{kind}"))
            df, meta = self.read(Path(printed))
            api = self.folder / f"api.{kind}"
            if not api.exists():
                api.write_bytes(self.get(f"/api/v1/surveys/{SURVEY}/responses.{kind}"))
            df_api, meta_api = self.read(api)
            self.assertEqual(meta.column_names, meta_api.column_names)
            self.assertEqual(meta.column_names_to_labels, meta_api.column_names_to_labels)
            self.assertTrue(df.equals(df_api), kind)
        refused = subprocess.run([CONSULT_BINARY, "export", SURVEY, "--format", "sav", "--db", str(self.db),
                                  "--surveys", str(REPOSITORY / "Surveys"), "--out", str(self.folder / "refused")],
                                 capture_output=True, text=True, timeout=120)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("--what raw", refused.stderr)
        self.assertFalse((self.folder / "refused").exists())


def main() -> None:
    global CONSULT_BINARY
    parser = argparse.ArgumentParser()
    parser.add_argument("--consult", required=True)
    arguments, rest = parser.parse_known_args()
    CONSULT_BINARY = os.path.abspath(arguments.consult)
    unittest.main(argv=[sys.argv[0], *rest])


if __name__ == "__main__":
    main()
