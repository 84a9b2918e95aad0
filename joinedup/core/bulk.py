"""Writing many rows quickly, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, router, transaction
from django.db.models import Model


def rows_update(model: type[Model], objects: Sequence[Model], fields: Sequence[str]) -> None:
    """Write `fields` of each object to its row, as `QuerySet.bulk_update` does, without signals and without its
    CASE … WHEN expressions: one parameterised UPDATE sent for all the rows with `executemany`. For thousands of
    rows Django's CASE expressions cost far more than the writes (13,000 people's eight fields: 20 s on SQLite,
    against 0.6 s so). Values are prepared by each field, as the ORM prepares them; all rows are written or
    none."""
    if not objects:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    pk = meta.pk
    quote = connection.ops.quote_name
    # Only the model's own table and column names, quoted, are put in the statement; every value is a parameter.
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(pk.column)} = %s"  # noqa: S608
    rows = [[f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns]
            + [pk.get_db_prep_save(obj.pk, connection)] for obj in objects]
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
