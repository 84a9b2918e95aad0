"""Read-only rows over tuples, for the millions of mentions and identity rows a batch run holds at once.

A dict per row costs about a kilobyte before its values; `TupleRow` classes keep each row as one tuple behind a
mapping (`row["dob"]`, `row.get("age")`, `{**row}`), their field names held once by the class, and one copy of
each repeated value (a surname, a postcode, a day) however many rows hold it.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
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


# What the linkage reads of a mention after preparing it: the record it is in, its agency-held identity, its role and
# relationship, and the days context rules compare (`context`, `pipeline._named_together`).
CONTEXT_FIELDS = ("record_key", "source_identity", "role", "relationship_to_subject", "sex", "expected_due_on",
                  "occurred_on")


class MentionColumns(Sequence):
    """Mentions as columns of small codes, one per field of `CONTEXT_FIELDS`, each distinct value kept once: a batch
    run keeps its millions of mentions this way once they are prepared (about 30 bytes a mention, against a few
    hundred as rows). `columns[i]` is a read-only mapping over mention i (`m.get("role")`); a field the mention did
    not have reads as None."""

    def __init__(self, fields: tuple[str, ...] = CONTEXT_FIELDS) -> None:
        self._fields = fields
        self._codes = {f: array("i") for f in fields}
        self._values: dict[str, list] = {f: [] for f in fields}
        self._lookup: dict[str, dict] | None = {f: {} for f in fields}
        self._order: dict[str, array] = {}  # field → mention indices sorted by the field's code (`groups`)
        self._n = 0

    def append(self, mention: Mapping[str, Any]) -> None:
        """Add one mention (only while building: until `freeze`)."""
        assert self._lookup is not None, "frozen"
        self._order.clear()
        for f in self._fields:
            value = mention.get(f)
            lookup = self._lookup[f]
            code = lookup.get(value)
            if code is None:
                values = self._values[f]
                code = lookup[value] = len(values)
                values.append(value)
            self._codes[f].append(code)
        self._n += 1

    def freeze(self) -> MentionColumns:
        """Stop building: the lookups that made the codes are let go."""
        self._lookup = None
        return self

    def groups(self, field: str) -> Iterator[tuple[Any, list[int]]]:
        """(value, the indices of the mentions holding it) for each value of `field` but None, in the order the values
        first appear, indices ascending: what a dict of lists built mention by mention would hold, made a group at a
        time (a batch run's two million records as a dict of lists would not fit beside the rest)."""
        order = self._order.get(field)
        if order is None:
            codes = self._codes[field]
            order = self._order[field] = array("q", sorted(range(self._n), key=codes.__getitem__))
        codes, values = self._codes[field], self._values[field]
        group: list[int] = []
        current = -1
        for i in order:
            code = codes[i]
            if code != current:
                if group and values[current] is not None:
                    yield values[current], group
                group, current = [], code
            group.append(i)
        if group and values[current] is not None:
            yield values[current], group

    def value(self, field: str, i: int) -> Any:
        values = self._values.get(field)
        return None if values is None else values[self._codes[field][i]]

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return _MentionView(self, i)

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        for i in range(self._n):
            yield _MentionView(self, i)


class _MentionView(Mapping):
    """One mention of a `MentionColumns`."""

    __slots__ = ("_columns", "_i")

    def __init__(self, columns: MentionColumns, i: int) -> None:
        self._columns = columns
        self._i = i

    def __getitem__(self, key: str) -> Any:
        if key not in self._columns._values:
            raise KeyError(key)
        return self._columns.value(key, self._i)

    def get(self, key: str, default: Any = None) -> Any:
        values = self._columns._values.get(key)
        return default if values is None else values[self._columns._codes[key][self._i]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns._fields)

    def __len__(self) -> int:
        return len(self._columns._fields)


def groups_of(mentions: Sequence[Mapping[str, Any]], field: str) -> Iterable[tuple[Any, list[int]]]:
    """(value, indices of the mentions holding it) for each value of `field` but None, in first-appearance order:
    `MentionColumns.groups`, or a dict of lists for any other sequence of mentions."""
    if isinstance(mentions, MentionColumns):
        return mentions.groups(field)
    out: dict[Any, list[int]] = {}
    for i, m in enumerate(mentions):
        value = m.get(field)
        if value is not None:
            out.setdefault(value, []).append(i)
    return out.items()
