"""Fast inserts for ingestion: ids taken up front, rows sent with COPY (PostgreSQL) or executemany (SQLite);
updates by id with executemany.

Django's `bulk_create` spends most of its time compiling SQL, value by value; ingesting thousands of
records a second needs less. Ids are allocated before inserting, so rows that point at each other (a
record at its current version, a version at its record, a mention at its record) are written without a
follow-up UPDATE; the foreign keys are DEFERRABLE INITIALLY DEFERRED, so they are checked at commit.

Values must already be in database form: use `Adapter` for dates, times, JSON and UUIDs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from django.db import connection

_sequences: dict[str, str] = {}  # table → the name of its id sequence (PostgreSQL)
_UTC_SECONDS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")  # 2023-04-02T09:30:00Z


def allocate_ids(table: str, count: int) -> list[int]:
    """`count` fresh primary keys for a table whose `id` is an auto-incrementing integer.

    PostgreSQL takes them from the table's sequence. SQLite continues after the highest id ever used;
    this is safe because ingestion writes inside a transaction that holds SQLite's write lock (joinedup's
    SQLite transactions BEGIN IMMEDIATE), and a clash would be a unique-key error that the caller retries.
    """
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sequence = _sequences.get(table)
            if sequence is None:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                sequence = _sequences[table] = cursor.fetchone()[0]
            # Usually the values taken are consecutive (one row back); if another session took some in
            # between, fetch them one by one.
            cursor.execute(
                "SELECT min(v), max(v) FROM (SELECT nextval(%s::regclass) AS v FROM generate_series(1, %s)) AS taken",
                [sequence, count],
            )
            low, high = cursor.fetchone()
            if high - low + 1 == count:
                return list(range(low, high + 1))
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')  # noqa: S608 - table name from code
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
        return list(range(start, start + count))


def insert_rows(table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert rows (tuples in `columns` order, values in database form) into a table."""
    if not rows:
        return
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The driver's own cursor does the COPY; Django's wrapper turns its errors into Django's
            # (a duplicate key is an IntegrityError, which records_ingest retries).
            with connection.wrap_database_errors, cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)  # noqa: S608


def update_rows(table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Update rows by id: each tuple holds the new values in `columns` order (in database form), then the id."""
    if not rows:
        return
    assignments = ", ".join(f'"{c}" = %s' for c in columns)
    with connection.cursor() as cursor:
        cursor.executemany(f'UPDATE "{table}" SET {assignments} WHERE "id" = %s', rows)  # noqa: S608 - names from code


class Adapter:
    """Converts Python values to what a database (by default the current one) takes in `insert_rows`.

    It never connects, so another thread may use one made here for the same database.
    """

    def __init__(self, vendor: str | None = None) -> None:
        self.vendor = vendor or connection.vendor
        self.postgresql = self.vendor == "postgresql"

    def date(self, value: date | None) -> str | None:
        """A date as ISO text (both databases take it)."""
        return None if value is None else value.isoformat()

    def datetime(self, value: datetime | None) -> str | None:
        """An aware datetime: ISO text with its offset for PostgreSQL, naive UTC text for SQLite (as Django)."""
        if value is None:
            return None
        if self.postgresql:
            return value.isoformat()
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")

    def timestamp(self, text: str | None) -> str | None:
        """An ISO 8601 timestamp as written in a record (Z or an offset), in the form `datetime` gives."""
        if text is None or self.postgresql:
            return text
        if _UTC_SECONDS.fullmatch(text):  # already UTC, whole seconds (most records): the same text, unparsed
            return f"{text[:10]} {text[11:19]}"
        return self.datetime(datetime.fromisoformat(text))

    def json(self, value: Any) -> str:
        """A JSON value as JSON text (both databases parse it into their JSON column)."""
        return json.dumps(value, ensure_ascii=False)

    def uuid(self, value: UUID | None) -> Any:
        """A UUID: its text for PostgreSQL, 32 hex digits for SQLite (as Django stores it)."""
        if value is None:
            return None
        return str(value) if self.postgresql else value.hex
