"""Reading agencies' files: JSON lines, CSV and FHIR R4 bundles, each record with where it came from.

A file's format is decided by its name: `*.csv` is the CSV layout, `*.jsonl`/`*.ndjson` are JSON lines
(a line holding a FHIR `Bundle` is converted with the FHIR mapping, so `bundles.jsonl` needs no
special name), `*.json` is one record, one Bundle, a list of records or `{"records": [...]}`.
Anything that cannot be read becomes an item with problems (and no record) rather than an exception,
so one bad line never stops a file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joinedup.ingest.formats import CSV_COLUMNS, RECORD_COLUMNS, csv_row_to_mention, fhir_bundle_to_records
from joinedup.ingest.validation import Problem

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
    if isinstance(obj, dict) and "resourceType" in obj:
        if obj["resourceType"] != "Bundle":
            yield Item(line, problems=[{"field": "resourceType", "problem": "must be Bundle (one Bundle per record)"}])
            return
        try:
            records = fhir_bundle_to_records(obj)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            yield Item(line, problems=[{"field": "", "problem": f"is a FHIR Bundle the agency record mapping cannot "
                                        f"read ({type(exc).__name__}: {str(exc)[:80]})"}])
            return
        for record in records:
            yield Item(line, record)
    else:
        yield Item(line, obj)


def json_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The non-blank lines of a JSON lines file, with their line numbers, not yet parsed."""
    with path.open(encoding="utf-8", errors="replace") as f:
        for line_no, line in enumerate(f, 1):
            if line.strip():
                yield line_no, line


def parse_json_line(line_no: int, text: str) -> Iterator[Item]:
    """The record (or records, or problems) one line of a JSON lines file holds."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Item(line_no, problems=[{"field": "", "problem": f"is not valid JSON ({exc.msg}, column {exc.colno})"}])
        return
    yield from _from_object(line_no, obj)


def _jsonl_items(path: Path) -> Iterator[Item]:
    for line_no, text in json_lines(path):
        yield from parse_json_line(line_no, text)


def _json_items(path: Path) -> Iterator[Item]:
    try:
        obj = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        yield Item(exc.lineno, problems=[{"field": "", "problem": f"is not valid JSON ({exc.msg})"}])
        return
    if isinstance(obj, dict) and set(obj) == {"records"} and isinstance(obj["records"], list):
        obj = obj["records"]
    for item in obj if isinstance(obj, list) else [obj]:
        yield from _from_object(1, item)


def _csv_items(path: Path) -> Iterator[Item]:
    """Consecutive rows with the same source_record_id and version form one record (docs/formats)."""
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            yield Item(1, problems=[{"field": "", "problem": "the header lacks the columns " + ", ".join(missing)}])
            return
        current: Item | None = None
        key: tuple[str, str] | None = None
        line = 1
        for row in reader:
            row_line, line = line + 1, reader.line_num
            row_key = (row["source_record_id"] or "", row["version"] or "")
            if current is not None and row_key == key:
                if current.record is not None:
                    current.record["mentions"].append(csv_row_to_mention(row))
                continue
            if current is not None:
                yield current
            key, current = row_key, _csv_record(row_line, row)
        if current is not None:
            yield current


def _csv_record(line: int, row: dict[str, str]) -> Item:
    if None in row:
        return Item(line, problems=[{"field": "", "problem": "the row has more cells than the header has columns"}])
    record: dict[str, Any] = {c: row[c] for c in RECORD_COLUMNS if row.get(c)}
    problems: list[Problem] = []
    try:
        record["version"] = int(row["version"])
    except (TypeError, ValueError):
        problems.append({"field": "version", "problem": "must be a whole number"})
    try:
        record["detail"] = json.loads(row["detail_json"] or "")
    except json.JSONDecodeError:
        problems.append({"field": "detail_json", "problem": "must be the detail object as JSON"})
    if problems:
        return Item(line, problems=problems)
    record["mentions"] = [csv_row_to_mention(row)]
    return Item(line, record)
