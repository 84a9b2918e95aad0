"""Read-only rows over tuples, for the millions of mentions and identity rows a batch run holds at once.

A dict per row costs about a kilobyte before its values; `TupleRow` classes keep each row as one tuple behind a
mapping (`row["dob"]`, `row.get("age")`, `{**row}`), their field names held once by the class, and one copy of
each repeated value (a surname, a postcode, a day) however many rows hold it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any


class TupleRow(Mapping):
    """A row as a mapping over a tuple; subclasses made by `tuple_row` name the positions."""

    __slots__ = ("_values",)
    _index: dict[str, int] = {}

    def __init__(self, values: tuple) -> None:
        self._values = values

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[self._index[key]]
        except KeyError:
            raise KeyError(key) from None

    def get(self, key: str, default: Any = None) -> Any:
        i = self._index.get(key)
        return default if i is None else self._values[i]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self)!r})"


def tuple_row(name: str, fields: Iterable[str], aliases: Mapping[str, str] | None = None) -> type[TupleRow]:
    """A `TupleRow` class whose tuple holds `fields` in order; `aliases` names a field a second way (new → old).
    Iterating it gives each field once (an alias replaces the name it stands for, when they differ in use)."""
    index = {f: i for i, f in enumerate(fields)}
    for new, old in (aliases or {}).items():
        index[new] = index[old]
    return type(name, (TupleRow,), {"__slots__": (), "_index": index})


def tuple_rows(table: Any, key: str, name: str = "Row", batch: int = 50_000) -> dict[Any, TupleRow]:
    """An Arrow table's rows by their `key` column, as `TupleRow`s with one copy of each repeated string; read a
    batch at a time, so the table's columns are never all Python objects at once. (Strings only: as dict keys
    1 and True are one, and a day of the month must not come back as True.)"""
    import pyarrow as pa

    cls = tuple_row(name, table.column_names)
    kept: dict[Any, Any] = {}
    keep = kept.setdefault
    at = table.column_names.index(key)
    out: dict[Any, TupleRow] = {}
    for record_batch in table.to_batches(max_chunksize=batch):
        columns = [[keep(v, v) for v in values] if i != at and pa.types.is_string(column.type) else values
                   for i, column in enumerate(record_batch.columns) for values in (column.to_pylist(),)]
        for values in zip(*columns, strict=True):
            out[values[at]] = cls(values)
    return out
