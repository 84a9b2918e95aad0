"""Producing a statutory return: read the query source, write the file(s), audit it (one row per return,
naming every child in it, in the same transaction)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.core.actor import ActorRef
from joinedup.returns.cin import Produced, cin_census
from joinedup.returns.source import (
    Year,
    collection_paused,
    facts_for,
    people_in_year,
    people_looked_after_in_year,
)
from joinedup.returns.ssda903 import ssda903, write_tables

Progress = Callable[[str], None]
KINDS = {"cin": "children in need census", "903": "SSDA903 (children looked after)"}


class ReturnRefused(ValueError):
    """The return cannot be produced as asked: the message says why."""


@dataclass
class ReturnMade:
    produced: Produced
    paths: list[Path]


def la_number() -> str:
    number = str(settings.JOINEDUP_RETURNS.get("la_number") or "")
    if not (len(number) == 3 and number.isdigit()):
        raise ReturnRefused("Set JOINEDUP_LA_NUMBER to the authority's 3-digit DfE LA number (e.g. 318) to produce "
                            "the children in need census.")
    return number


def produce(kind: str, year: Year, *, progress: Progress | None = None, now: dt.datetime | None = None) -> Produced:
    """The return, made from the records now (no file, no audit row: `return_produce` writes and audits)."""
    if kind not in KINDS:
        raise ReturnRefused(f"Unknown return {kind!r}: choose one of {', '.join(KINDS)}.")
    if kind == "cin":
        number = la_number()  # refused before the records are read, not after
        ids = people_in_year(year)
        if progress is not None:
            progress(f"Returns: {len(ids):,} children with casework in {year.label}")
    else:
        ids = people_looked_after_in_year(year)
        if progress is not None:
            progress(f"Returns: {len(ids):,} children looked after or leaving care in {year.label}")
    with collection_paused():
        facts = list(facts_for(ids, progress=progress, visits=False))  # neither return reports visits
        if kind == "cin":
            return cin_census(facts, year=year, la_number=number, now=now)
        return ssda903(facts, year=year)


@transaction.atomic
def return_produce(*, actor: ActorRef, kind: str, year: Year, out: Path, progress: Progress | None = None,
                   now: dt.datetime | None = None) -> ReturnMade:
    """Produce a return into `out` (the CIN census: a file; the SSDA903: a folder of CSVs) and audit it."""
    produced = produce(kind, year, progress=progress, now=now)
    if kind == "cin":
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(produced.content)
        paths = [out]
    else:
        paths = write_tables(produced, out)
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    audit_event_record(
        actor=actor, action=AuditAction.RETURN_PRODUCE, object_type="return", object_id=f"{kind}:{year.ends}",
        detail={"return": kind, "year": year.label, "children": len(produced.children),
                "rows": {t: len(r) for t, r in produced.tables.items()} if kind == "903" else {},
                "files": [p.name for p in paths], "sha256": digest.hexdigest()},
        person_ids=[f.person_id for f in produced.children.values()],
    )
    if progress is not None:
        progress(f"Returns: the {KINDS[kind]} {year.label} for {len(produced.children):,} children → {out}")
    return ReturnMade(produced, paths)
