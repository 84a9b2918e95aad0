"""Receiving agency records: validate, store each distinct version once, derive mentions, audit, signal.

`records_ingest` is the one write of this app. For every record it reports an `Outcome`:

- `created`: a record joinedup did not hold; stored as version sequence 1 and made current;
- `new_version`: different content for a record already held; stored as the next sequence. It becomes
  the current version only if its `version` is at least the current one's (a late, older version is
  kept in the history but does not replace a newer one);
- `unchanged`: exactly this content (same SHA-256 of the canonical JSON) was received before; nothing
  is written and the outcome describes the version received earlier;
- `refused`: the record broke the format or may not be sent by this actor; nothing is written and
  `errors` names each field at fault.

A stored record that is odd but plausible (a birth after the event, recorded before it happened) carries
`warnings` (the same shape as `errors`), kept with its version (`SourceRecordVersion.warnings`).

One record never costs another: every record is checked before anything is written (`prepare_record`, which
refuses rather than raises), and should the database still refuse a value (a `DataError`, or SQLite's
`OverflowError`), the batch is written again record by record, each in a savepoint, and only the record at
fault is refused.

Records are processed in batches (ids allocated up front, rows inserted in bulk, one look-up of the
existing keys per batch), so file ingests run at thousands of records a second. The whole call is one
transaction with one audit row (`record.ingest`: counts and the ids of the records written) when
anything was written; callers with very large inputs call it once per chunk. `signals.mentions_ingested`
is sent inside the transaction after each batch's mentions are written. No identity linkage happens here.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import DataError, IntegrityError, connection, transaction

from joinedup.accounts.models import Agency, Role
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.core import metrics
from joinedup.core.actor import ActorRef
from joinedup.core.time import utc_now
from joinedup.ingest.bulk import Adapter, allocate_ids, insert_rows, update_rows
from joinedup.ingest.models import Mention, SourceRecord, SourceRecordVersion
from joinedup.ingest.prepare import MENTION_FIELDS, RECORD_FIELDS, PreparedRecord, convert_for, prepare_record
from joinedup.ingest.signals import mentions_ingested
from joinedup.ingest.validation import Problem

logger = logging.getLogger(__name__)

VIA_API = "api"
VIA_FILE = "file"
# Written by joinedup's own services (casework recorded in its screens and API) for the user's agency; the
# service that writes checked the user may record it. Linked by that service, not by online matching.
VIA_JOINEDUP = "joinedup"
STATUSES = ("created", "new_version", "unchanged", "refused")
BATCH_SIZE = 1000
AUDIT_ID_LIMIT = 5000  # the audit row names the records written, up to this many

RECORD_COLUMNS = ("id", "agency_id", "source_record_id", *RECORD_FIELDS, "current_id", "first_received_at")
VERSION_COLUMNS = ("id", "record_id", "version", "sequence", "sha256", "payload", "received_at", "received_via",
                   "received_by_id", "warnings")
# A value the database would not take (beyond what `prepare_record` checks): the record is refused on its own.
STORE_FAILED = ("could not be stored: the database refused one of its values (logged for the system's "
                "administrators); nothing of it was stored")
_UNSTORABLE = (DataError, OverflowError)
MENTION_COLUMNS = ("id", "record_id", "agency_id", "mention_id", *MENTION_FIELDS)


@dataclass(slots=True)
class Outcome:
    """What happened to one record of the input (index counts from 0 in the order given)."""

    index: int
    status: str
    source_record_id: str = ""
    agency_id: str = ""
    version: int | None = None
    sequence: int | None = None
    current: bool = False
    received_at: datetime | None = None
    errors: list[Problem] = field(default_factory=list)
    forbidden: bool = False  # refused because the actor may not send this agency's records
    warnings: list[Problem] = field(default_factory=list)  # stored, but odd (docs/formats/README.md)

    def as_dict(self) -> dict[str, Any]:
        """The outcome as the API and the CLI report it."""
        return {
            "index": self.index,
            "status": self.status,
            "source_record_id": self.source_record_id,
            "agency_id": self.agency_id,
            "version": self.version,
            "sequence": self.sequence,
            "current": self.current,
            "received_at": self.received_at.isoformat().replace("+00:00", "Z") if self.received_at else None,
            "errors": self.errors,
            "warnings": self.warnings,
        }


@dataclass
class IngestResult:
    """The outcome of every record, and the mentions and records written."""

    outcomes: list[Outcome]
    mention_ids: list[int] = field(default_factory=list)
    withdrawn_mention_ids: list[int] = field(default_factory=list)
    record_ids: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many records ended in each status."""
        counts = dict.fromkeys(STATUSES, 0)
        for outcome in self.outcomes:
            counts[outcome.status] += 1
        return counts


def may_send(*, actor: ActorRef, agency: Agency, via: str) -> bool:
    """Whether an actor may send an agency's records: their own agency's only, except that the system or a
    system administrator may load any agency's files."""
    if via == VIA_FILE and actor.role in ("system", Role.SYSTEM_ADMINISTRATOR):
        return True
    if via == VIA_JOINEDUP:  # a casework service writing for the authority; it checked the user first
        return True
    return actor.agency_id is not None and actor.agency_id == agency.pk


class AgencyCache:
    """Agencies by code, each looked up once per call."""

    def __init__(self) -> None:
        self._by_code: dict[str, Agency | None] = {}

    def get(self, code: str) -> Agency | None:
        """The agency with this code, or None."""
        if code not in self._by_code:
            self.prime([code])
        return self._by_code[code]

    def prime(self, codes: Iterable[str]) -> None:
        """Look up many codes in one query."""
        missing = {c for c in codes if c and c not in self._by_code}
        if missing:
            found = {a.code: a for a in Agency.objects.filter(code__in=missing)}
            for code in missing:
                self._by_code[code] = found.get(code)


@dataclass(slots=True)
class _Accepted:
    """A record that passed every check, waiting to be compared with what is held."""

    outcome: Outcome
    prepared: PreparedRecord
    agency: Agency


@dataclass(slots=True)
class _Held:
    """What is held (or being written in this batch) for one (agency, source_record_id)."""

    record_id: int | None
    agency: Agency | None
    source_record_id: str
    versions: dict[str, tuple[int, int, datetime]] = field(default_factory=dict)  # sha256 → (seq, version, at)
    max_sequence: int = 0
    current_version: int = 0
    current_sequence: int = 0
    new: bool = False
    moved_to: PreparedRecord | None = None  # the version this batch makes current, if it moves


@dataclass
class _Context:
    actor: ActorRef
    via: str
    restrict_to: Agency | None
    now: datetime
    agencies: AgencyCache
    result: IngestResult
    verdicts: dict[str, tuple[Agency | None, Problem | None, bool]] = field(default_factory=dict)


def _verdict(ctx: _Context, code: str) -> tuple[Agency | None, Problem | None, bool]:
    """The agency checks for one agency code, worked out once per call: the agency, the problem that refuses its
    records (or None) and whether that is because the actor may not send them."""
    verdict = ctx.verdicts.get(code)
    if verdict is None:
        agency = ctx.agencies.get(code)
        problem: Problem | None = None
        forbidden = False
        if agency is None or not agency.is_active:
            what = "registered with" if agency is None else "active in"
            problem = {"field": "agency_id", "problem": f"no agency '{code}' is {what} joinedup"}
        elif ctx.restrict_to is not None and agency.pk != ctx.restrict_to.pk:
            problem = {"field": "agency_id", "problem": f"must be '{ctx.restrict_to.code}': these records "
                       "are being received for that agency only"}
        elif not may_send(actor=ctx.actor, agency=agency, via=ctx.via):
            forbidden = True
            problem = {"field": "agency_id", "problem": f"you may send records for your own agency only, not for '{code}'"}
        verdict = ctx.verdicts[code] = (agency, problem, forbidden)
    return verdict


def _check(ctx: _Context, index: int, prepared: PreparedRecord) -> _Accepted | Outcome:
    """The agency checks of a prepared record: an _Accepted, or a refused Outcome naming every problem."""
    code = prepared.agency_code
    agency, problem, forbidden = (ctx.verdicts.get(code) or _verdict(ctx, code)) if code else (None, None, False)
    if problem is None and not prepared.problems:
        return _Accepted(Outcome(index=index, status="refused", source_record_id=prepared.source_record_id,
                                 agency_id=code, version=prepared.version, warnings=list(prepared.warnings)),
                         prepared, agency)
    outcome = Outcome(index=index, status="refused", source_record_id=prepared.source_record_id,
                      agency_id=code, version=prepared.version)
    problems = list(prepared.problems)
    if problem is not None and not any(p["field"] == "agency_id" for p in problems):
        if forbidden:  # say nothing else about a record the actor may not send
            outcome.forbidden = True
            problems = [dict(problem)]
        else:
            problems.append(dict(problem))
    outcome.errors = problems
    return outcome


def _held_for(accepted: list[_Accepted]) -> dict[tuple[str, str], _Held]:
    """What is held for the batch's (agency code, source_record_id) keys: records by their unique key, then
    the versions of those found (none at all when a file is loaded for the first time)."""
    by_agency: dict[str, set[str]] = defaultdict(set)
    agencies: dict[str, Agency] = {}
    for item in accepted:
        by_agency[item.agency.code].add(item.prepared.source_record_id)
        agencies[item.agency.code] = item.agency
    held: dict[tuple[str, str], _Held] = {}
    by_record: dict[int, _Held] = {}
    current: dict[int, int] = {}
    db = Adapter()
    table = SourceRecord._meta.db_table
    for code, srids in by_agency.items():
        # Plain SQL: the ORM's IN lookup costs more than the query itself for a thousand keys.
        if db.postgresql:
            where, params = '"source_record_id" = ANY(%s)', [list(srids)]
        else:
            where, params = f'"source_record_id" IN ({", ".join(["%s"] * len(srids))})', list(srids)
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT "id", "source_record_id", "current_id" FROM "{table}" '  # noqa: S608 - names from code
                f'WHERE "agency_id" = %s AND {where}',
                [db.uuid(agencies[code].pk), *params],
            )
            rows = cursor.fetchall()
        for record_id, srid, current_id in rows:
            h = held[(code, srid)] = by_record[record_id] = _Held(record_id, agencies[code], srid)
            current[record_id] = current_id
    if by_record:
        versions = SourceRecordVersion.objects.filter(record_id__in=list(by_record)).values_list(
            "record_id", "id", "sha256", "sequence", "version", "received_at"
        )
        for record_id, version_pk, sha, sequence, version, received_at in versions:
            h = by_record[record_id]
            h.versions[sha] = (sequence, version, received_at)
            h.max_sequence = max(h.max_sequence, sequence)
            if version_pk == current[record_id]:
                h.current_version, h.current_sequence = version, sequence
    return held


def _ingest_batch(ctx: _Context, items: list[tuple[int, PreparedRecord]]) -> None:
    """Check, compare and write one batch; append its outcomes to ctx.result."""
    ctx.agencies.prime({p.agency_code for _, p in items})
    outcomes: list[Outcome] = []  # in input order
    accepted: list[_Accepted] = []
    for index, prepared in items:
        checked = _check(ctx, index, prepared)
        if type(checked) is _Accepted:
            accepted.append(checked)
            outcomes.append(checked.outcome)
        else:
            outcomes.append(checked)
    held = _held_for(accepted) if accepted else {}

    pending: list[tuple[_Held, _Accepted]] = []
    for item in accepted:
        prepared, out = item.prepared, item.outcome
        key = (item.agency.code, prepared.source_record_id)
        h = held.get(key)
        if h is not None and prepared.sha256 in h.versions:
            sequence, version, received_at = h.versions[prepared.sha256]
            out.status, out.sequence, out.version, out.received_at = "unchanged", sequence, version, received_at
            out.current = sequence == h.current_sequence
            continue
        if h is None:
            h = held[key] = _Held(None, item.agency, prepared.source_record_id, new=True)
        out.status = "created" if h.new and not h.versions else "new_version"
        sequence = h.max_sequence + 1
        h.max_sequence = sequence
        h.versions[prepared.sha256] = (sequence, prepared.version, ctx.now)
        out.sequence, out.received_at = sequence, ctx.now
        if prepared.version >= h.current_version:
            h.current_version, h.current_sequence, h.moved_to = prepared.version, sequence, prepared
            out.current = True
        pending.append((h, item))

    if pending:
        _write(ctx, held, pending)
    ctx.result.outcomes.extend(outcomes)


def _write(ctx: _Context, held: dict[tuple[str, str], _Held], pending: list[tuple[_Held, _Accepted]]) -> None:
    """Insert the batch's new records and versions, move current pointers, and re-derive mentions."""
    db = Adapter()
    now = db.datetime(ctx.now)
    for _, item in pending:
        if item.prepared.vendor != db.vendor:
            convert_for(item.prepared, db)
    new_records = [h for h in held.values() if h.new]
    for h, pk in zip(new_records, allocate_ids(SourceRecord._meta.db_table, len(new_records)), strict=True):
        h.record_id = pk
    current_ids: dict[int, int] = {}  # record id → id of the version this batch makes current
    actor_id = db.uuid(ctx.actor.id)
    version_rows = []
    for (h, item), pk in zip(pending, allocate_ids(SourceRecordVersion._meta.db_table, len(pending)), strict=True):
        if item.outcome.sequence == h.current_sequence:
            current_ids[h.record_id] = pk
        version_rows.append((
            pk, h.record_id, item.prepared.version, item.outcome.sequence, item.prepared.sha256,
            item.prepared.canonical, now, ctx.via, actor_id,
            db.json(item.prepared.warnings) if item.prepared.warnings else None,
        ))
    agency_ids = {agency.code: db.uuid(agency.pk) for agency in {id(h.agency): h.agency for h in held.values()}.values()}
    record_rows = [
        (h.record_id, agency_ids[h.agency.code], h.source_record_id, *h.moved_to.db_columns,
         current_ids[h.record_id], now)
        for h in new_records
    ]
    # The foreign keys between these tables are deferred, so the order of the inserts does not matter.
    insert_rows(SourceRecord._meta.db_table, RECORD_COLUMNS, record_rows)
    insert_rows(SourceRecordVersion._meta.db_table, VERSION_COLUMNS, version_rows)

    old_moved = [h for h in held.values() if h.moved_to is not None and not h.new]
    # Records held already whose current version moved: their summary columns and current pointer (plain SQL: the
    # ORM's bulk_update builds a CASE expression per value, which cost more than all the inserts).
    update_rows(SourceRecord._meta.db_table, (*RECORD_FIELDS, "current_id"),
                [(*h.moved_to.db_columns, current_ids[h.record_id], h.record_id) for h in old_moved])
    _derive_mentions(ctx, db, agency_ids, new_records, old_moved)
    ctx.result.record_ids.extend(dict.fromkeys(h.record_id for h, _ in pending))


def _derive_mentions(
    ctx: _Context, db: Adapter, agency_ids: dict[str, Any], new_records: list[_Held], old_moved: list[_Held]
) -> None:
    """Create the mentions of new records; update, add or withdraw those of records whose current moved."""
    to_create: list[tuple[_Held, tuple[Any, ...]]] = [
        (h, row) for h in new_records for row in h.moved_to.db_mentions
    ]
    to_update: list[Mention] = []
    withdrawn: list[Mention] = []
    unchanged: list[int] = []  # mentions of an amended record that did not change (a correction of its detail)
    if old_moved:
        existing: dict[int, dict[str, Mention]] = defaultdict(dict)
        for m in Mention.objects.filter(record_id__in=[h.record_id for h in old_moved]):
            existing[m.record_id][m.mention_id] = m
        for h in old_moved:
            held_rows = existing[h.record_id]
            rows = h.moved_to.mentions()
            for row, db_row in zip(rows, h.moved_to.db_mentions, strict=True):
                current = held_rows.get(row["mention_id"])
                if current is None:
                    to_create.append((h, db_row))
                elif any(getattr(current, f) != row[f] for f in MENTION_FIELDS):
                    for f in MENTION_FIELDS:
                        setattr(current, f, row[f])
                    to_update.append(current)
                elif not current.withdrawn:
                    unchanged.append(current.pk)
            kept = {row["mention_id"] for row in rows}
            for mid, current in held_rows.items():
                if mid not in kept and not current.withdrawn:
                    current.withdrawn = True
                    withdrawn.append(current)

    created_ids = allocate_ids(Mention._meta.db_table, len(to_create))
    insert_rows(Mention._meta.db_table, MENTION_COLUMNS, [
        (pk, h.record_id, agency_ids[h.agency.code], *row)
        for (h, row), pk in zip(to_create, created_ids, strict=True)
    ])
    if to_update or withdrawn:
        Mention.objects.bulk_update([*to_update, *withdrawn], list(MENTION_FIELDS))
    mention_ids = created_ids + [m.pk for m in to_update]
    withdrawn_ids = [m.pk for m in withdrawn]
    ctx.result.mention_ids.extend(mention_ids)
    ctx.result.withdrawn_mention_ids.extend(withdrawn_ids)
    if mention_ids or withdrawn_ids or unchanged:
        mentions_ingested.send(
            sender=Mention, mention_ids=mention_ids, withdrawn_mention_ids=withdrawn_ids, via=ctx.via, actor=ctx.actor,
            amended_mention_ids=unchanged,
        )


def _batches(records: Iterable[Any], size: int) -> Iterator[list[tuple[int, PreparedRecord]]]:
    db = Adapter()
    batch: list[tuple[int, PreparedRecord]] = []
    for index, record in enumerate(records):
        batch.append((index, record if isinstance(record, PreparedRecord) else prepare_record(record, db)))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _ingest_one_by_one(ctx: _Context, batch: list[tuple[int, PreparedRecord]]) -> None:
    """Write a batch the database refused as a whole one record at a time, each in a savepoint: the record it
    refuses is refused (STORE_FAILED, logged without its values), the others are stored."""
    result = ctx.result
    for index, prepared in batch:
        lists = (result.outcomes, result.mention_ids, result.withdrawn_mention_ids, result.record_ids)
        lengths = [len(items) for items in lists]
        try:
            with transaction.atomic():
                _ingest_batch(ctx, [(index, prepared)])
        except _UNSTORABLE:
            for items, length in zip(lists, lengths, strict=True):
                del items[length:]
            logger.exception("ingest: the database refused record %d of a batch; it is refused", index)
            result.outcomes.append(Outcome(
                index=index, status="refused", source_record_id=prepared.source_record_id,
                agency_id=prepared.agency_code, version=prepared.version,
                errors=[{"field": "", "problem": STORE_FAILED}],
            ))


def _count_received(ctx: _Context) -> None:
    """Operators' metrics (`joinedup_records_ingested_total`): each record by how it came, its agency's kind and its
    outcome, counted when the transaction commits. Codes only: no record id, no agency, no content."""
    tally: Counter[tuple[str, str, str]] = Counter()
    by_code = Counter((out.agency_id, out.status) for out in ctx.result.outcomes)  # agencies looked up per code, not per record
    for (code, status), count in by_code.items():
        agency = ctx.agencies.get(code) if code else None
        tally[(ctx.via, agency.kind if agency is not None else "unknown", status)] += count
    metrics.count_on_commit(metrics.RECORDS_INGESTED, tally)


@transaction.atomic
def records_ingest(
    *,
    actor: ActorRef,
    records: Iterable[Any],
    via: str,
    agency: Agency | None = None,
    batch_size: int = BATCH_SIZE,
) -> IngestResult:
    """Receive agency records (dicts in the agency record format v1, or `PreparedRecord`s) from the API or a file.

    `via` is "api", "file" or "joinedup" (a joinedup service writing casework). If `agency` is given every record must be that agency's (a file from one
    agency's folder). The actor may send only their own agency's records, except that the system or a
    system administrator may load any agency's files. Returns one `Outcome` per record, in input order.
    """
    if via not in (VIA_API, VIA_FILE, VIA_JOINEDUP):
        raise ValueError(f"via: {via!r} is not 'api', 'file' or 'joinedup'")
    ctx = _Context(actor=actor, via=via, restrict_to=agency, now=utc_now(), agencies=AgencyCache(),
                   result=IngestResult(outcomes=[]))
    result = ctx.result
    for batch in _batches(records, batch_size):
        for attempt in (1, 2):
            lists = (result.outcomes, result.mention_ids, result.withdrawn_mention_ids, result.record_ids)
            lengths = [len(items) for items in lists]
            try:
                with transaction.atomic():
                    _ingest_batch(ctx, batch)
                break
            except IntegrityError:
                # Another transaction stored one of these records first: forget this attempt and look again.
                for items, length in zip(lists, lengths, strict=True):
                    del items[length:]
                if attempt == 2:
                    raise
            except _UNSTORABLE:
                for items, length in zip(lists, lengths, strict=True):
                    del items[length:]
                _ingest_one_by_one(ctx, batch)
                break
    counts = result.counts()
    _count_received(ctx)
    if counts["created"] or counts["new_version"]:
        ids = result.record_ids
        audit_event_record(
            actor=actor, action=AuditAction.RECORD_INGEST, object_type="source_record",
            object_id=ids[0] if len(ids) == 1 else "",
            detail={"via": via, **counts, "mentions_written": len(result.mention_ids),
                    "mentions_withdrawn": len(result.withdrawn_mention_ids),
                    "record_ids": ids[:AUDIT_ID_LIMIT], "record_ids_truncated": len(ids) > AUDIT_ID_LIMIT},
        )
    if counts["refused"]:
        logger.info("ingest via %s refused %d of %d records", via, counts["refused"], len(result.outcomes))
    return result
