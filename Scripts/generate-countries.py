#!/usr/bin/env python3
"""Generate Sources/ConsultCore/CountryTable.swift from Scripts/countries.csv.

Usage: python3 Scripts/generate-countries.py [--check]

Without options, (re)writes the Swift file. With --check, writes nothing and
exits 1 if the Swift file is missing or differs from what the CSV gives (0 if
it is up to date). Exits 2 if the CSV breaks one of the rules below. Needs only
the Python standard library; the output is deterministic (rows sorted by code).

The CSV is the source of truth: one row per ISO 3166-1 alpha-2 code (249),
header `alpha2,name,m49_region,m49_subregion,interpol_region`, UTF-8.

Where the CSV came from (built once, by code kept out of this repo):
- the codes are the 249 of ISO 3166-1 as listed by the PyPI package
  pycountry 26.2.16 (Kosovo's XK is not ISO and is left out);
- names and regions come from the PyPI package country_converter 1.3.2
  (columns ISO2, name_short, UNregion). Its UNregion holds the UN M49
  intermediate regions; they were folded into M49 sub-regions (Eastern,
  Middle, Southern and Western Africa -> Sub-Saharan Africa; Caribbean,
  Central America and South America -> Latin America and the Caribbean),
  and m49_region follows from the sub-region (see SUBREGIONS below).
- by hand: NR (Nauru) is Micronesia, as in M49 (country_converter says
  Polynesia); TW (Taiwan), which M49 does not list, is Eastern Asia; AQ
  (Antarctica) has no region at all; the abbreviated names of BL, FM, GS and
  HM were written out in full.

The INTERPOL-style grouping (interpol_region) is derived from M49 by this rule,
which this script checks for every row:
- Africa: M49 Sub-Saharan Africa;
- Americas: M49 Americas;
- Asia and South Pacific: M49 Asia except Western Asia, and M49 Oceania;
- Europe: M49 Europe, plus these Western Asia countries: Armenia, Azerbaijan,
  Cyprus, Georgia, Israel and Türkiye (AM, AZ, CY, GE, IL, TR);
- Middle East and North Africa: M49 Northern Africa and the rest of Western Asia;
- none for a country without an M49 region (Antarctica).
"""

import argparse
import csv
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSV_PATH = os.path.join(REPO_ROOT, "Scripts", "countries.csv")
SWIFT_PATH = os.path.join(REPO_ROOT, "Sources", "ConsultCore", "CountryTable.swift")
HEADER = ["alpha2", "name", "m49_region", "m49_subregion", "interpol_region"]
EXPECTED_ROWS = 249
MAX_LINE = 120

# M49 sub-region -> M49 region.
SUBREGIONS = {
    "Northern Africa": "Africa",
    "Sub-Saharan Africa": "Africa",
    "Latin America and the Caribbean": "Americas",
    "Northern America": "Americas",
    "Central Asia": "Asia",
    "Eastern Asia": "Asia",
    "South-eastern Asia": "Asia",
    "Southern Asia": "Asia",
    "Western Asia": "Asia",
    "Eastern Europe": "Europe",
    "Northern Europe": "Europe",
    "Southern Europe": "Europe",
    "Western Europe": "Europe",
    "Australia and New Zealand": "Oceania",
    "Melanesia": "Oceania",
    "Micronesia": "Oceania",
    "Polynesia": "Oceania",
}
WESTERN_ASIA_IN_INTERPOL_EUROPE = {"AM", "AZ", "CY", "GE", "IL", "TR"}


class TableError(Exception):
    pass


def interpol_region(alpha2, region, subregion):
    """The INTERPOL-style region that the rule in this module's docstring gives."""
    if region is None:
        return None
    if subregion == "Sub-Saharan Africa":
        return "Africa"
    if region in ("Americas", "Europe"):
        return region
    if subregion == "Western Asia":
        if alpha2 in WESTERN_ASIA_IN_INTERPOL_EUROPE:
            return "Europe"
        return "Middle East and North Africa"
    if subregion == "Northern Africa":
        return "Middle East and North Africa"
    return "Asia and South Pacific"  # the rest of Asia, and Oceania


def read_rows(path):
    """The CSV's rows as tuples (alpha2, name, region, subregion, interpol), sorted by code."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header != HEADER:
            raise TableError(f"{path}: header must be {','.join(HEADER)}, not {header}")
        rows, seen = [], set()
        for line, record in enumerate(reader, start=2):
            where = f"{path}:{line}"
            if len(record) != len(HEADER):
                raise TableError(f"{where}: {len(record)} fields, expected {len(HEADER)}")
            alpha2, name, region, subregion, interpol = (field.strip() for field in record)
            region, subregion, interpol = region or None, subregion or None, interpol or None
            if len(alpha2) != 2 or not ("AA" <= alpha2 <= "ZZ") or not alpha2.isascii() or not alpha2.isupper():
                raise TableError(f"{where}: {alpha2!r} is not an upper-case alpha-2 code")
            if alpha2 in seen:
                raise TableError(f"{where}: {alpha2} appears twice")
            seen.add(alpha2)
            if not name:
                raise TableError(f"{where}: {alpha2} has no name")
            if subregion is not None and subregion not in SUBREGIONS:
                raise TableError(f"{where}: {subregion!r} is not an M49 sub-region")
            if region != (SUBREGIONS[subregion] if subregion else None):
                raise TableError(f"{where}: sub-region {subregion!r} is not in region {region!r}")
            expected = interpol_region(alpha2, region, subregion)
            if interpol != expected:
                raise TableError(f"{where}: {alpha2}'s INTERPOL region must be {expected!r}, not {interpol!r}")
            rows.append((alpha2, name, region, subregion, interpol))
    if len(rows) != EXPECTED_ROWS:
        raise TableError(f"{path}: {len(rows)} countries, expected {EXPECTED_ROWS}")
    return sorted(rows)


def swift_string(value):
    if value is None:
        return "nil"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def swift_entry(row):
    arguments = [swift_string(value) for value in row]
    entry = f"        Country({', '.join(arguments)}),"
    if len(entry) <= MAX_LINE:
        return entry
    lines = ["        Country("] + [f"            {argument}," for argument in arguments[:-1]]
    return "\n".join(lines + [f"            {arguments[-1]}", "        ),"])


TEMPLATE = """\
// Generated by Scripts/generate-countries.py from Scripts/countries.csv: do not edit.
// To change the table, edit the CSV and run `python3 Scripts/generate-countries.py`.

/// A country or territory of ISO 3166-1, with the regions it is counted in.
///
/// `m49Region` and `m49SubRegion` follow the UN M49 standard. `interpolRegion` is an
/// INTERPOL-style grouping derived from M49: Africa (Sub-Saharan Africa); Americas (Americas);
/// Asia and South Pacific (Asia except Western Asia, and Oceania); Europe (Europe, plus
/// Armenia, Azerbaijan, Cyprus, Georgia, Israel and Türkiye); Middle East and North Africa
/// (Northern Africa and the rest of Western Asia). Antarctica has no region.
public struct Country: Sendable, Hashable, Identifiable {
    /// The ISO 3166-1 alpha-2 code, upper-case, e.g. "AT".
    public let alpha2: String
    /// The short English name, e.g. "Austria".
    public let name: String
    /// The UN M49 region, e.g. "Europe"; nil for Antarctica.
    public let m49Region: String?
    /// The UN M49 sub-region, e.g. "Western Europe"; nil for Antarctica.
    public let m49SubRegion: String?
    /// The INTERPOL-style region, e.g. "Europe"; nil for Antarctica.
    public let interpolRegion: String?

    /// The alpha-2 code.
    public var id: String { alpha2 }

    fileprivate init(
        _ alpha2: String, _ name: String, _ m49Region: String?, _ m49SubRegion: String?, _ interpolRegion: String?
    ) {
        self.alpha2 = alpha2
        self.name = name
        self.m49Region = m49Region
        self.m49SubRegion = m49SubRegion
        self.interpolRegion = interpolRegion
    }
}

/// The @COUNT@ countries and territories of ISO 3166-1.
public enum CountryTable {
    /// Every country, sorted by alpha-2 code.
    public static let all: [Country] = [
@ENTRIES@
    ]

    private static let byAlpha2: [String: Country] = Dictionary(uniqueKeysWithValues: all.map { ($0.alpha2, $0) })

    /// The country with this alpha-2 code (upper-case), or nil.
    public static func country(_ alpha2: String) -> Country? {
        byAlpha2[alpha2]
    }
}
"""


def render(rows):
    """The Swift file for these rows."""
    entries = "\n".join(swift_entry(row) for row in rows)
    return TEMPLATE.replace("@COUNT@", str(len(rows))).replace("@ENTRIES@", entries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the Swift file would change; write nothing")
    args = parser.parse_args()
    try:
        text = render(read_rows(CSV_PATH))
    except TableError as error:
        print(f"generate-countries: {error}", file=sys.stderr)
        return 2
    relative = os.path.relpath(SWIFT_PATH, REPO_ROOT)
    try:
        with open(SWIFT_PATH, encoding="utf-8", newline="") as f:
            current = f.read()
    except FileNotFoundError:
        current = None
    if args.check:
        if current != text:
            print(f"{relative} is out of date: run python3 Scripts/generate-countries.py", file=sys.stderr)
            return 1
        print(f"{relative} is up to date")
        return 0
    if current != text:
        with open(SWIFT_PATH, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        print(f"wrote {relative}")
    else:
        print(f"{relative} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
