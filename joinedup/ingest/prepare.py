"""Everything about receiving a record that needs no database: checks, canonical form, derived columns.

`prepare_record` turns one input record into a `PreparedRecord`: its problems against the format, its
canonical JSON and SHA-256, the `SourceRecord` summary columns and the `Mention` rows it would give.
Being pure, it can run in another thread while the database stores the previous batch (the `ingest`
command does this); `services.records_ingest` accepts prepared records as well as plain ones.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from joinedup.ingest.addresses import address_key, normalise_postcode
from joinedup.ingest.bulk import Adapter
from joinedup.ingest.limits import (
    MAX_RECORD_BYTES,
    MAX_VERSION,
    checked_json,
    showable_text,
    size_problem,
    time_problems,
    warnings,
)
from joinedup.ingest.validation import Problem, record_problems

logger = logging.getLogger(__name__)
# The last line of defence: a record whose checking raised is refused in these words (and the error logged, without
# its message), never allowed to stop the other records. The property tests (tests/ingest/test_bad_input.py) show
# that no input they try reaches it.
CHECK_FAILED = ("could not be checked: joinedup met an error reading it (logged for the system's administrators); "
                "nothing of it was stored")

_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)

# What a Mention row holds besides its keys (record, agency, mention_id), in column order.
MENTION_FIELDS = (
    "source_identity", "role", "local_person_id", "given_name", "family_name", "relationship_label",
    "relationship_to_subject", "dob", "expected_due_on", "dob_estimated", "age", "other_names", "sex", "nhs_number",
    "upn", "address_lines", "postcode", "postcode_norm", "uprn", "address_protected", "address_key", "occurred_on",
    "withdrawn",
)  # fmt: skip
RECORD_FIELDS = ("kind", "occurred_at", "occurred_on", "ended_on", "recorded_at")


def canonical_json(record: Any) -> str:
    """The record as canonical JSON text (sorted keys, compact, not ASCII-escaped)."""
    return _CANONICAL.encode(record)


def record_sha256(record: Any, canonical: str | None = None) -> str:
    """The SHA-256 of a record's canonical JSON in UTF-8: equal for the same content however it was sent."""
    return hashlib.sha256((canonical or canonical_json(record)).encode()).hexdigest()


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def other_names(mention: dict[str, Any]) -> list[dict[str, Any]]:
    """A (valid) mention's other names, each with all three keys: given_name, family_name (None when not
    given) and kind; [] when it has none."""
    return [
        {"given_name": o.get("given_name") or None, "family_name": o.get("family_name") or None, "kind": o["kind"]}
        for o in mention.get("other_names") or ()
    ]


def _age(mention: dict[str, Any]) -> int | None:
    age = mention.get("age")
    return None if age is None else int(age)  # the schema allows 30.0 (an integer in JSON Schema)


def record_columns(record: dict[str, Any]) -> dict[str, Any]:
    """The SourceRecord summary columns a (valid) record version gives; occurred_on is the UTC day."""
    occurred_at = _datetime(record.get("occurred_at"))
    occurred_on = _date(record.get("occurred_on")) or occurred_at.astimezone(UTC).date()
    return {
        "kind": record["kind"],
        "occurred_at": occurred_at,
        "occurred_on": occurred_on,
        "ended_on": _date(record.get("ended_on")),
        "recorded_at": _datetime(record["recorded_at"]),
    }


def mention_columns(
    *, agency_code: str, source_record_id: str, mention: dict[str, Any], occurred_on: date
) -> dict[str, Any]:
    """The Mention columns one mention of a (valid) record gives: identifiers as written, address normalised.

    A protected address (refuge) keeps nothing that locates it: no lines, postcode, UPRN or key.
    """
    address = mention.get("address") or {}
    protected = bool(address.get("protected"))
    lines = [] if protected else list(address.get("lines") or [])
    postcode = "" if protected else (address.get("postcode") or "")
    uprn = "" if protected else (address.get("uprn") or "")
    local = mention.get("local_person_id") or ""
    mid = mention["mention_id"]
    return {
        "mention_id": mid,
        "source_identity": f"{agency_code}:{local}" if local else f"{agency_code}:{source_record_id}#{mid}",
        "role": mention["role"],
        "local_person_id": local,
        "given_name": mention.get("given_name") or "",
        "family_name": mention.get("family_name") or "",
        "relationship_label": mention.get("relationship_label") or "",
        "relationship_to_subject": mention.get("relationship_to_subject") or "",
        "dob": _date(mention.get("dob")),
        "expected_due_on": _date(mention.get("expected_due_on")),
        "dob_estimated": bool(mention.get("dob_estimated")),
        "age": _age(mention),
        "other_names": other_names(mention),
        "sex": mention.get("sex") or "",
        "nhs_number": mention.get("nhs_number") or "",
        "upn": mention.get("upn") or "",
        "address_lines": lines,
        "postcode": postcode,
        "postcode_norm": normalise_postcode(postcode),
        "uprn": uprn,
        "address_protected": protected,
        "address_key": "" if protected else address_key(lines, postcode, uprn),
        "occurred_on": occurred_on,
        "withdrawn": False,
    }


@dataclass(slots=True)
class PreparedRecord:
    """One input record, checked against the format, with what storing it needs worked out.

    `problems` is empty for a record that met the format; only then are the other fields set. The
    agency checks (is it registered, may this actor send it) need the database and come later.
    `db_columns` and `db_mentions` are the SourceRecord and Mention columns ready for `bulk.insert_rows`;
    `columns()` and `mentions()` give the same as Python values (worked out again when asked for).
    """

    record: Any
    problems: list[Problem]
    agency_code: str = ""
    source_record_id: str = ""
    version: int | None = None
    canonical: str = ""
    sha256: str = ""
    vendor: str = ""  # the database the two below are converted for
    db_columns: tuple[Any, ...] = ()  # RECORD_FIELDS
    db_mentions: list[tuple[Any, ...]] = field(default_factory=list)  # mention_id, then MENTION_FIELDS
    warnings: list[Problem] = field(default_factory=list)  # odd but plausible: stored beside the version

    def columns(self) -> dict[str, Any]:
        """The SourceRecord summary columns, as Python values."""
        return record_columns(json.loads(self.canonical))

    def mentions(self) -> list[dict[str, Any]]:
        """The Mention columns of each mention (with mention_id), as Python values."""
        record = json.loads(self.canonical)
        occurred_on = record_columns(record)["occurred_on"]
        return [
            mention_columns(agency_code=self.agency_code, source_record_id=self.source_record_id, mention=m,
                            occurred_on=occurred_on)
            for m in record["mentions"]
        ]


_NO_ADDRESS: dict[str, Any] = {}
_json_string = json.encoder.encode_basestring  # a str as a JSON string, in C


def _json_lines(lines: list[str]) -> str:
    """Address lines (strings, as the schema guarantees) as a JSON array."""
    return "[" + ",".join(map(_json_string, lines)) + "]"


def prepare_record(record: Any, db: Adapter | None = None, now: datetime | None = None) -> PreparedRecord:
    """Check one record against the agency record format and derive its columns (no database is used).

    `db` says which database the columns are converted for (by default the current one); `now` is when it is
    received (by default the current time): an event after it is refused, and odd dates become `warnings`.
    Whatever the record holds, this returns: a record that cannot be read is refused, naming the field.
    """
    try:
        return _prepare(record, db or Adapter(), now or datetime.now(UTC))
    except Exception:
        logger.exception("ingest: checking a record raised; the record is refused")
        prepared = PreparedRecord(record, [{"field": "", "problem": CHECK_FAILED}])
        _identify(prepared, record)
        return prepared


def _identify(prepared: PreparedRecord, record: Any) -> None:
    """The record's agency, id and version, where it gives them (its outcome names them, refused or not): only
    text that can be shown (no NUL, nothing that is not UTF-8, at most 200 characters) is repeated."""
    if isinstance(record, dict):
        srid, code, version = record.get("source_record_id"), record.get("agency_id"), record.get("version")
        prepared.source_record_id = srid if showable_text(srid) else ""
        prepared.agency_code = code if showable_text(code) else ""
        if isinstance(version, float) and version.is_integer() and abs(version) <= MAX_VERSION:
            version = int(version)  # JSON Schema's integer: 2.0 is 2
        prepared.version = version if isinstance(version, int) and not isinstance(version, bool) \
            and abs(version) <= MAX_VERSION else None


def _prepare(record: Any, db: Adapter, now: datetime) -> PreparedRecord:
    problems = record_problems(record)
    if not problems:
        problems = time_problems(record, now)
    prepared = PreparedRecord(record, problems)
    _identify(prepared, record)
    if prepared.problems:
        return prepared
    checked = checked_json(record)  # the canonical JSON the checks already wrote, usually
    canonical, data = checked if checked is not None else (canonical_json(record), b"")
    data = data or canonical.encode()
    if len(data) > MAX_RECORD_BYTES:
        prepared.problems = [size_problem(record, len(data))]
        return prepared
    prepared.canonical = canonical
    prepared.sha256 = hashlib.sha256(data).hexdigest()
    prepared.warnings = warnings(record, now)
    convert_for(prepared, db, record)
    return prepared


def convert_for(prepared: PreparedRecord, db: Adapter, record: dict[str, Any] | None = None) -> None:
    """Work out a valid prepared record's columns in the form `db`'s database takes them.

    Dates in a valid record are already YYYY-MM-DD, which both databases take as they are; times are
    converted (SQLite keeps naive UTC text, as Django does).
    """
    if record is None:
        record = json.loads(prepared.canonical)
    occurred_at = record.get("occurred_at")
    occurred_on = record.get("occurred_on") or datetime.fromisoformat(occurred_at).astimezone(UTC).date().isoformat()
    prepared.vendor = db.vendor
    prepared.db_columns = (
        record["kind"], db.timestamp(occurred_at), occurred_on, record.get("ended_on"),
        db.timestamp(record["recorded_at"]),
    )
    agency_code, srid = prepared.agency_code, prepared.source_record_id
    rows = []
    get = dict.get
    for m in record["mentions"]:
        address = get(m, "address") or _NO_ADDRESS
        mid = m["mention_id"]
        local = get(m, "local_person_id") or ""
        protected = bool(get(address, "protected"))
        if protected:
            lines_json, postcode, postcode_norm, uprn, key = "[]", "", "", "", ""
        else:
            lines = get(address, "lines") or []
            postcode = get(address, "postcode") or ""
            uprn = get(address, "uprn") or ""
            key = address_key(lines, postcode, uprn) if lines or uprn else ""
            lines_json = "[" + ",".join(map(_json_string, lines)) + "]" if lines else "[]"  # as _json_lines
            postcode_norm = normalise_postcode(postcode) if postcode else ""
        age = get(m, "age")
        rows.append((
            mid,
            f"{agency_code}:{local}" if local else f"{agency_code}:{srid}#{mid}",
            m["role"], local, get(m, "given_name") or "", get(m, "family_name") or "",
            get(m, "relationship_label") or "", get(m, "relationship_to_subject") or "", get(m, "dob"),
            get(m, "expected_due_on"), bool(get(m, "dob_estimated")), None if age is None else int(age),
            db.json(other_names(m)) if get(m, "other_names") else "[]",
            get(m, "sex") or "", get(m, "nhs_number") or "", get(m, "upn") or "",
            lines_json, postcode, postcode_norm, uprn, protected, key, occurred_on, False,
        ))
    prepared.db_mentions = rows
