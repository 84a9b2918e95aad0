"""Reading and corrupting Annex A workbooks in tests."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

from openpyxl import load_workbook

from joinedup.returns.annex_a import LISTS


def sheet_rows(book, name: str) -> list[dict]:
    """A list's rows as dicts by heading (days as dates), after checking its headings are Ofsted's."""
    rows = list(book[name].iter_rows(values_only=True))
    assert list(rows[0]) == LISTS[name]
    return [{k: (v.date() if isinstance(v, dt.datetime) else v) for k, v in zip(rows[0], row, strict=True)}
            for row in rows[1:]]


def corrupted(content: bytes, change: Callable) -> bytes:
    """The workbook's bytes after `change(book)`."""
    book = load_workbook(io.BytesIO(content))
    change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
