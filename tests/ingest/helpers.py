"""Reading a simulated authority's records for the ingestion tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from joinedup.ingest.readers import read_items, record_files


def authority_records(out: Path) -> Iterator[dict[str, Any]]:
    """Every record of every agency of a simulated authority, whatever its file format."""
    for path, _ in record_files(out):
        for item in read_items(path):
            assert item.record is not None, (path, item.line, item.problems)
            yield item.record


def agencies(out: Path) -> list[dict[str, str]]:
    """The agencies.json manifest."""
    return json.loads((out / "agencies.json").read_text(encoding="utf-8"))
