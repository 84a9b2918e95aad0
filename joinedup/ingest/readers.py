"""Reading agencies' files: JSON lines, CSV and FHIR R4 bundles, each record with where it came from.

A file's format is decided by its name: `*.csv` is the CSV layout, `*.jsonl`/`*.ndjson` are JSON lines
(a line holding a FHIR `Bundle` is converted with the FHIR mapping, so `bundles.jsonl` needs no
special name), `*.json` is one record, one Bundle, a list of records or `{"records": [...]}`.
Anything that cannot be read becomes an item with problems (and no record) rather than an exception,
so one bad line never stops a file.

Files are UTF-8; a byte-order mark at the start is skipped. Bytes that are not UTF-8 are read as lone
surrogates (Python's "surrogateescape"), never replaced, so the record holding them is refused naming the
field (`joinedup.ingest.limits`), and the rest of the file is read.
"""

from __future__ import annotations

import csv
import json
import logging
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joinedup.ingest.formats import (
    CSV_COLUMNS,
    RECORD_COLUMNS,
    csv_row_to_mention,
    fhir_bundle_problems,
    fhir_bundle_to_records,
)
from joinedup.ingest.limits import MAX_DEPTH
from joinedup.ingest.validation import Problem

logger = logging.getLogger(__name__)
ENCODING = "utf-8-sig"  # UTF-8, skipping a byte-order mark at the start
ERRORS = "surrogateescape"  # bytes that are not UTF-8 become lone surrogates, which the checks refuse by field
FHIR_UNREADABLE = ("is a FHIR Bundle the agency record mapping cannot read (see the FHIR R4 mapping in "
                   "docs/formats/README.md)")
_VERSION_CELL = re.compile(r"[0-9]{1,10}")

RECORD_FILE_NAMES = ("records.jsonl", "records.csv", "bundles.jsonl")
NOT_RECORD_FILES = {"agencies.json", "manifest.json"}  # a simulated authority's descriptions of itself
SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".json": "json"}


@dataclass
class Item:
    """One record read from a file (or the problems that stopped it being read), and its line number."""

    line: int
    record: Any = None
    problems: list[Problem] = field(default_factory=list)


def file_format(path: Path) -> str | None:
    """"jsonl", "csv" or "json" by the file's name; None for files that do not hold records."""
    return SUFFIXES.get(path.suffix.lower())


def record_files(path: Path) -> list[tuple[Path, str | None]]:
    """The record files under a path, each with the agency its folder belongs to (if the layout says).

    A simulated authority (a folder with `agencies/<agency id>/`) gives each agency's records.jsonl,
    records.csv and bundles.jsonl; any other folder gives every record file in it, recursively (but not
    agencies.json, manifest.json or anything in a truth/ folder).
    """
    if path.is_file():
        return [(path, None)]
    agencies = path / "agencies"
    if agencies.is_dir():
        return [
            (folder / name, folder.name)
            for folder in sorted(p for p in agencies.iterdir() if p.is_dir())
            for name in RECORD_FILE_NAMES
            if (folder / name).is_file()
        ]
    return [
        (p, None)
        for p in sorted(path.rglob("*"))
        if p.is_file() and file_format(p) and p.name not in NOT_RECORD_FILES and "truth" not in p.relative_to(path).parts
    ]


def count_lines(path: Path) -> int:
    """Lines in a file (for progress bars), counted without decoding."""
    n = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            n += chunk.count(b"\n")
    return n


def read_items(path: Path) -> Iterator[Item]:
    """Every record in a file, in order, whatever its format."""
    fmt = file_format(path)
    if fmt == "csv":
        yield from _csv_items(path)
    elif fmt == "jsonl":
        yield from _jsonl_items(path)
    elif fmt == "json":
        yield from _json_items(path)
    else:
        yield Item(0, problems=[{"field": "", "problem": "is not a .jsonl, .ndjson, .csv or .json file"}])


def _from_object(line: int, obj: Any) -> Iterator[Item]:
    if obj is None:  # `null`: an item without a record must say why
        yield Item(line, problems=[{"field": "", "problem": "a record must be a JSON object"}])
        return
    if isinstance(obj, dict) and "resourceType" in obj:
        if obj["resourceType"] != "Bundle":
            yield Item(line, problems=[{"field": "resourceType", "problem": "must be Bundle (one Bundle per record)"}])
            return
        problems = fhir_bundle_problems(obj)
        if problems:
            yield Item(line, problems=problems)
            return
        try:
            records = fhir_bundle_to_records(obj)
        except Exception:  # a shape fhir_bundle_problems does not know yet: refused in plain words, logged
            logger.exception("ingest: a FHIR Bundle could not be converted; it is refused")
            yield Item(line, problems=[{"field": "", "problem": FHIR_UNREADABLE}])
            return
        for record in records:
            yield Item(line, record)
    else:
        yield Item(line, obj)


def json_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The non-blank lines of a JSON lines file, with their line numbers, not yet parsed."""
    with path.open(encoding=ENCODING, errors=ERRORS) as f:
        for line_no, line in enumerate(f, 1):
            if line.strip():
                yield line_no, line


def parse_json_line(line_no: int, text: str) -> Iterator[Item]:
    """The record (or records, or problems) one line of a JSON lines file holds."""
    obj, problem, _ = parse_json(text.lstrip("\ufeff"))  # a mark inside a file too (files joined together)
    if problem is not None:
        yield Item(line_no, problems=[problem])
        return
    yield from _from_object(line_no, obj)


def parse_json(text: str) -> tuple[Any, Problem | None, int]:
    """JSON text parsed, or why it cannot be (a problem for the whole line or file) and the line it is on; never
    an exception."""
    try:
        return json.loads(text), None, 1
    except json.JSONDecodeError as exc:
        return None, {"field": "", "problem": f"is not valid JSON ({exc.msg}, column {exc.colno})"}, exc.lineno
    except RecursionError:
        return None, {"field": "", "problem": f"is nested too deeply to read (lists and objects within each "
                      f"other); a record is nested at most {MAX_DEPTH} deep"}, 1
    except ValueError:  # a number of more than 4,300 digits
        return None, {"field": "", "problem": "holds a number too long to read (more than 4,300 digits)"}, 1


def _jsonl_items(path: Path) -> Iterator[Item]:
    for line_no, text in json_lines(path):
        yield from parse_json_line(line_no, text)


def _json_items(path: Path) -> Iterator[Item]:
    obj, problem, line = parse_json(path.read_text(encoding=ENCODING, errors=ERRORS))
    if problem is not None:
        yield Item(line, problems=[problem])
        return
    if isinstance(obj, dict) and set(obj) == {"records"} and isinstance(obj["records"], list):
        obj = obj["records"]
    for item in obj if isinstance(obj, list) else [obj]:
        yield from _from_object(1, item)


# Python's csv module stops at a cell of 131,072 characters, which would lose the row and so its record's key;
# a cell of any length is read, and a record too large is then refused by its field (limits.MAX_RECORD_BYTES).
CSV_CELL_LIMIT = sys.maxsize


def _csv_items(path: Path) -> Iterator[Item]:
    """Consecutive rows with the same source_record_id and version form one record (docs/formats). A row that
    cannot be read as CSV is refused, and so is the record just before it (the row may have been one of its
    mentions: a record is never stored without one)."""
    if csv.field_size_limit() < CSV_CELL_LIMIT:
        csv.field_size_limit(CSV_CELL_LIMIT)
    with path.open(encoding=ENCODING, errors=ERRORS, newline="") as f:
        reader = csv.DictReader(f)
        try:
            header = reader.fieldnames or []
        except csv.Error:
            yield Item(1, problems=[{"field": "", "problem": "the header " + CSV_UNREADABLE}])
            return
        missing = [c for c in CSV_COLUMNS if c not in header]
        if missing:
            yield Item(1, problems=[{"field": "", "problem": "the header lacks the columns " + ", ".join(missing)}])
            return
        current: _CsvRecord | None = None
        key: tuple[str, str] | None = None
        line = 1
        rows = iter(reader)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except csv.Error:
                line = reader.line_num
                if current is not None:
                    current.problems.append({"field": "", "problem": f"is refused with the row after it (line "
                                             f"{line}), which cannot be read and may be one of its mentions"})
                    yield current.item()
                    current, key = None, None
                yield Item(line, problems=[{"field": "", "problem": "the row " + CSV_UNREADABLE}])
                continue
            row_line, line = line + 1, reader.line_num
            row_key = (row["source_record_id"] or "", row["version"] or "")
            if current is not None and row_key == key:
                current.add(row, row_line)
                continue
            if current is not None:
                yield current.item()
            key, current = row_key, _CsvRecord(row_line, row)
        if current is not None:
            yield current.item()


CSV_UNREADABLE = "cannot be read as CSV (a quote not closed, or a character where CSV allows none)"


class _CsvRecord:
    """One record being read from consecutive rows; every row's problems are collected, naming its mention."""

    def __init__(self, line: int, row: dict[str, Any]) -> None:
        self.line = line
        self.problems: list[Problem] = []
        record: dict[str, Any] = {c: row[c] for c in RECORD_COLUMNS if row.get(c)}
        version = (row.get("version") or "").strip()
        if _VERSION_CELL.fullmatch(version):
            record["version"] = int(version)
        else:
            self.problems.append({"field": "version", "problem": "must be a whole number"})
        detail, problem, _ = parse_json(row.get("detail_json") or "")
        if problem is not None:
            self.problems.append({"field": "detail_json", "problem": "must be the detail object as JSON"})
        else:
            record["detail"] = detail
        record["mentions"] = []
        self.record = record
        self.add(row, line)

    def add(self, row: dict[str, Any], line: int) -> None:
        """One more row: one more mention."""
        if None in row:
            where = "" if line == self.line else f" on line {line}"
            self.problems.append({"field": "", "problem": f"the row{where} has more cells than the header has columns"})
        # True-or-false cells (address_protected, dob_estimated) are read by csv_row_to_mention; one that cannot be
        # read is passed on for the format check to refuse, naming the field (never read as "not protected").
        self.record["mentions"].append(csv_row_to_mention(row))

    def item(self) -> Item:
        """The record read, or its problems (and no record)."""
        return Item(self.line, problems=self.problems) if self.problems else Item(self.line, self.record)
