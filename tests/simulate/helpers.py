"""Readers for a simulated output folder used across the simulator tests."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from joinedup.ingest.formats import fhir_bundle_to_records, read_csv_records


def agencies(out: Path) -> list[dict[str, str]]:
    """The agencies.json manifest."""
    return json.loads((out / "agencies.json").read_text(encoding="utf-8"))


def records(out: Path, only: str | None = None) -> Iterator[dict[str, Any]]:
    """Every record of every agency (or of the one named), whatever its file format, converted to the record model."""
    for a in agencies(out):
        if only is not None and a["id"] != only:
            continue
        folder = out / "agencies" / a["id"]
        if a["format"] == "jsonl":
            with (folder / "records.jsonl").open(encoding="utf-8") as f:
                for line in f:
                    yield json.loads(line)
        elif a["format"] == "csv":
            yield from read_csv_records((folder / "records.csv").read_text(encoding="utf-8"))
        else:
            with (folder / "bundles.jsonl").open(encoding="utf-8") as f:
                for line in f:
                    yield from fhir_bundle_to_records(json.loads(line))


def truth(out: Path, name: str) -> list[dict[str, str]]:
    """Rows of one truth CSV."""
    with (out / "truth" / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def tree_hash(out: Path) -> str:
    """A hash over every file's relative path and bytes."""
    h = hashlib.sha256()
    for p in sorted(out.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(out)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()
