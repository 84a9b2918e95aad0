"""The audit trail's hash chain: each row's hash covers its own fields, the people it names and the previous hash.

Row n stores `prev_hash` (row n-1's `row_hash`; 64 zeros for the first row) and `row_hash`, the SHA-256 (hex) of the
canonical serialisation below. The chain follows id order; `chain_position` counts rows 1, 2, 3… with no gaps, so a
row deleted from the middle or the start shows as a jump in positions (ids may have gaps: an insert that rolled back
still used its id). See docs/adr/0009-audit-hash-chain.md.

The serialisation is VERSION 1 and must never change for rows already written (the migration that chained the
existing rows uses it too); a new serialisation would need a new version and `verify` reading both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

VERSION = 1
GENESIS = "0" * 64
# Every field of an audit row that the hash covers, besides `person_ids` (the rows of AuditEventPerson).
FIELDS = (
    "id", "chain_position", "prev_hash", "occurred_at", "actor_id", "actor_username", "agency_id", "agency_name",
    "role", "action", "object_type", "object_id", "subject_person_id", "reason", "request_id", "detail",
)


def _json_value(value: Any) -> Any:
    """JSON as the database hands it back: PostgreSQL's jsonb keeps 1e20 as 100000000000000000000 and 1.0 as 1.0,
    so a float that is a whole number is written as the whole number (either way it reads back the same)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def _uuid_text(value: Any) -> str | None:
    return None if value in (None, "") else str(uuid.UUID(str(value)))


def _moment(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(row: Mapping[str, Any], person_ids: Iterable[Any]) -> bytes:
    """The bytes a row's hash is taken over: its fields and the people it names, as sorted compact JSON (UTF-8)."""
    doc = {name: row[name] for name in FIELDS}
    doc["v"] = VERSION
    doc["occurred_at"] = _moment(row["occurred_at"])
    for name in ("actor_id", "agency_id", "subject_person_id"):
        doc[name] = _uuid_text(row[name])
    doc["detail"] = _json_value(row["detail"] or {})
    doc["person_ids"] = sorted({str(uuid.UUID(str(p))) for p in person_ids})
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True).encode("utf-8")


def row_hash(row: Mapping[str, Any], person_ids: Iterable[Any]) -> str:
    """SHA-256 (hex) of the row's canonical serialisation."""
    return hashlib.sha256(canonical(row, person_ids)).hexdigest()


def persons_named(*, subject_person_id: Any, object_type: str, object_id: Any, detail: Mapping[str, Any] | None,
                  person_ids: Iterable[Any] = ()) -> list[uuid.UUID]:
    """Everyone a row names: the people given, its subject, and — when the row is about people (`object_type`
    "person") — its object and the `object_ids` of a list or search. Values that are not UUIDs in `object_id` or
    `detail.object_ids` are not people and are left out; a value in `person_ids` that is not a UUID is an error."""
    found: set[uuid.UUID] = set()
    for value in person_ids or ():
        try:
            found.add(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
        except ValueError as exc:
            raise ValueError(f"person_ids: {value!r} is not a person id (a UUID)") from exc
    candidates: list[Any] = [subject_person_id]
    if object_type == "person":
        candidates.append(object_id)
        ids = (detail or {}).get("object_ids")
        if isinstance(ids, list):
            candidates.extend(ids)
    for value in candidates:
        if value in (None, ""):
            continue
        try:
            found.add(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
        except ValueError:
            continue
    return sorted(found, key=str)


# --- verifying --------------------------------------------------------------------------------------------------

ALTERED = "content_altered"
MISSING = "rows_missing"
LINK = "link_broken"
ANCHOR = "anchor_mismatch"
TRUNCATED = "truncated"


@dataclass
class Break:
    """The first place the chain does not hold."""

    problem: str  # one of ALTERED, MISSING, LINK, ANCHOR, TRUNCATED
    id: int | None  # the row at which it was found (None: the anchored row is not there)
    message: str
    previous_id: int | None = None
    position: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"problem": self.problem, "id": self.id, "previous_id": self.previous_id, "position": self.position,
                "message": self.message}


@dataclass
class Verification:
    """What a walk of the chain found: how many rows it checked, the head (last row), and the first break."""

    rows: int = 0
    head_id: int | None = None
    head_position: int = 0
    head_hash: str = GENESIS
    broken: Break | None = None
    anchors_checked: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.broken is None

    def as_dict(self) -> dict[str, Any]:
        # When broken, the last row that verified is not a head to anchor: it is reported as `last_verified`.
        out: dict[str, Any] = {"ok": self.ok, "rows": self.rows, "head" if self.ok else "last_verified": {
            "id": self.head_id, "position": self.head_position, "hash": self.head_hash}}
        if self.anchors_checked:
            out["anchors_checked"] = self.anchors_checked
        if self.broken is not None:
            out["broken"] = self.broken.as_dict()
        return out


def parse_anchor(text: str) -> tuple[int, str]:
    """`POSITION:HASH` (as `joinedup audit verify` prints the head) → (position, hash)."""
    position, sep, digest = text.strip().partition(":")
    digest = digest.strip().lower()
    if not sep or not position.strip().isdigit() or int(position) < 1:
        raise ValueError(f"anchor {text!r}: expected POSITION:HASH, for example 1204:9f86d08…")
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"anchor {text!r}: the hash must be 64 hexadecimal characters")
    return int(position), digest


def verify_rows(rows: Iterator[tuple[Mapping[str, Any], list[Any]]], *, anchors: Mapping[int, str] | None = None,
                progress: Callable[[int], None] | None = None) -> Verification:
    """Walk rows (each with the people it names) in id order; stop at the first break.

    Checks, for each row: its hash is the hash of its content (else ALTERED); its position follows the previous
    row's (a jump: MISSING); its `prev_hash` is the previous row's hash (else LINK: rows were reordered, inserted,
    or a row was rewritten together with its hash). Anchors (position → hash, kept outside the database) must be
    found with their hash (else ANCHOR, or TRUNCATED when the trail ends before them)."""
    anchors = dict(anchors or {})
    out = Verification()
    prev_id: int | None = None
    for row, people in rows:
        expected_position, expected_prev = out.head_position + 1, out.head_hash
        rid, position = row["id"], row["chain_position"]
        if row_hash(row, people) != row["row_hash"]:
            out.broken = Break(ALTERED, rid, f"row {rid}: its content does not match its hash (the row was changed "
                                             "after it was written)", prev_id, position)
            return out
        if position > expected_position:
            gap = position - expected_position
            where = f"between row {prev_id} and row {rid}" if prev_id is not None else f"before row {rid}, the first"
            out.broken = Break(MISSING, rid, f"{gap:,} row(s) missing {where} (positions {expected_position:,}"
                                             f"{'' if gap == 1 else f'–{position - 1:,}'})", prev_id, position)
            return out
        if position < expected_position or row["prev_hash"] != expected_prev:
            after = f"row {prev_id}" if prev_id is not None else "the start of the trail"
            out.broken = Break(LINK, rid, f"row {rid} does not link to {after}: rows were inserted or reordered, or "
                                          f"{after} was rewritten together with its hash", prev_id, position)
            return out
        if position in anchors:
            if anchors[position] != row["row_hash"]:
                out.broken = Break(ANCHOR, rid, f"row {rid} at anchored position {position:,} has hash "
                                                f"{row['row_hash']}, not the anchored {anchors[position]}: the trail "
                                                "was rewritten up to here", prev_id, position)
                return out
            out.anchors_checked.append(position)
        out.rows += 1
        out.head_id, out.head_position, out.head_hash = rid, position, row["row_hash"]
        prev_id = rid
        if progress is not None:
            progress(out.rows)
    beyond = sorted(p for p in anchors if p > out.head_position)
    if beyond:
        out.broken = Break(TRUNCATED, None, f"the trail ends at position {out.head_position:,} but position "
                                            f"{beyond[0]:,} was anchored: the newest rows were removed",
                           out.head_id, beyond[0])
    return out
