"""What a record may hold beyond its shape: limits that keep every record storable, and dates that are plausible.

The JSON Schema says what a record looks like; these say what joinedup can keep and what makes sense
(docs/formats/README.md, "Limits, refusals and warnings"). Three kinds of check, each naming the field:

- `value_problems` (before the schema; a record failing them is not checked further): text without NUL
  characters or lone surrogates (what invalid bytes in a file become when read), numbers that are finite,
  lists and objects nested at most `MAX_DEPTH` deep, and field names that can be shown;
- `bound_problems` (after the schema): the dates of the record itself (occurred, recorded, amended, ended)
  between `EARLIEST_DAY` and `LATEST_DAY`; a person's dates (dob, expected_due_on) and the detail's dates real
  dates (year 0000 is none; a date of birth before 1900 is a warning); a time of day that exists (a leap second,
  :60, cannot be stored); `size_problem`: at most `MAX_RECORD_BYTES`;
- `time_problems` and `warnings` (they need the time the record is received): an event in the future is
  refused; a record that is odd but plausible (a birth after the event, recorded before it happened, a
  sending system's clock ahead of ours) is stored with a warning kept beside its version.

Problems never repeat the value sent (it may be personal data); they say what was expected instead.
Nothing here touches the database, so it runs in the worker processes of `joinedup ingest`.
"""

from __future__ import annotations

import json
import math
import re
import threading
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from joinedup.ingest.schema import load_schema

Problem = dict[str, str]  # as joinedup.ingest.validation.Problem: {"field": JSON path, "problem": plain words}

MAX_RECORD_BYTES = 1_048_576  # 1 MiB of canonical JSON (UTF-8): a long case note is a few tens of kilobytes
MAX_DEPTH = 16  # lists and objects within each other; the deepest the format has is 5 (mentions[i].other_names[j])
MAX_VERSION = 2_147_483_647  # the largest `version` both databases store (PostgreSQL's integer); in the schema
EARLIEST_DAY = "1900-01-01"  # no agency holds a record from before
# Roles in which a person may be born after the day a record is about: an unborn child, and a household
# member or occupant added to a later version of a tenancy or household record that began before their birth.
BORN_LATER_ROLES = frozenset({"unborn", "household_member", "occupant"})
LATEST_DAY = "2199-12-31"  # a bound for a record's dates that may lie ahead (a planned end)
FUTURE_TOLERANCE = timedelta(days=1)  # clocks disagree and days begin at different times: a day's grace
MAX_PROBLEMS = 20  # a record with thousands of bad strings is refused naming the first twenty

_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
_SHOWABLE_NAME = re.compile(r"[A-Za-z0-9_\-]{1,60}")
NUL_PROBLEM = "holds a NUL character (\\u0000), which cannot be stored: remove it"
SURROGATE_PROBLEM = ("holds text that is not valid UTF-8: bytes that are not UTF-8, or half of a surrogate pair "
                     "(\\ud800 to \\udfff) on its own")
DEPTH_PROBLEM = (f"is nested more than {MAX_DEPTH} levels deep (lists and objects within each other); no record "
                 "of the format is that deep")
NUMBER_PROBLEM = ("must be a finite number of at most 4,300 digits (NaN, Infinity and numbers beyond 1e308 are not "
                  "JSON numbers)")
_LONGEST_NUMBER = 10**4300
NAME_PROBLEM = ("has a field name that cannot be shown (a NUL character, text that is not valid UTF-8, or longer "
                "than 60 characters): it is not a field of the agency record format")
_DATETIME_PROBLEM = ("must be a real date and time written like 2023-04-02T09:30:00Z (Z or an offset from UTC; "
                     "seconds 00 to 59)")
_DATE_PROBLEM = "must be a real date written YYYY-MM-DD (years from 0001)"


def path_of(parts: tuple[str | int, ...] | list[str | int]) -> str:
    """A JSON path as problems name fields: ("mentions", 0, "dob") → "mentions[0].dob"."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


# The canonical form (as joinedup.ingest.prepare writes it), refusing NaN and Infinity.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_last = threading.local()  # the canonical JSON of the record value_problems last cleared in this thread


def value_problems(record: Any) -> list[Problem]:
    """What no record may hold, whatever its shape: checked first, without recursion, so that a record nested
    thousands deep or holding text that cannot be encoded is refused (naming the field) rather than raising.

    Most records hold nothing of the kind and are cleared at C speed: written as canonical JSON (no NaN or Infinity),
    searched for a NUL, encoded as UTF-8 (no lone surrogate); their nesting is followed only when they have more
    than MAX_DEPTH lists and objects in all. That canonical JSON is kept for `checked_json`. Only a record that
    fails is walked, to name its fields."""
    try:
        text = _CANONICAL.encode(record)  # ValueError: NaN or Infinity; TypeError: keys of mixed kinds, not JSON
        data = text.encode("utf-8")  # a lone surrogate, in a value or a key
    except (ValueError, TypeError, RecursionError):  # UnicodeEncodeError is a ValueError
        return _walk(record)
    if "\\u0000" in text or (text.count("[") + text.count("{") > MAX_DEPTH and not _depth_within(record)):
        return _walk(record)
    _last.value = (record, text, data)
    return []


def checked_json(record: Any) -> tuple[str, bytes] | None:
    """The canonical JSON of `record` (text, and UTF-8) if it is the record value_problems last cleared in this
    thread (and it has not changed since: callers pass the same object straight on), else None."""
    last = getattr(_last, "value", None)
    return (last[1], last[2]) if last is not None and last[0] is record else None


def _depth_within(record: Any) -> bool:
    """Whether lists and objects nest at most MAX_DEPTH deep (only containers are followed)."""
    stack = [(record, 0)] if isinstance(record, dict | list) else []
    while stack:
        value, depth = stack.pop()
        if depth >= MAX_DEPTH:
            return False
        for child in value.values() if isinstance(value, dict) else value:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return True


def _walk(record: Any) -> list[Problem]:
    problems: list[Problem] = []
    stack: list[tuple[tuple[str | int, ...], Any, int]] = [((), record, 0)]
    while stack and len(problems) < MAX_PROBLEMS:
        parts, value, depth = stack.pop()
        if isinstance(value, str):
            bad = _BAD_TEXT.search(value)
            if bad:
                problems.append({"field": path_of(parts),
                                 "problem": NUL_PROBLEM if "\x00" in value else SURROGATE_PROBLEM})
        elif isinstance(value, float):
            if not math.isfinite(value):
                problems.append({"field": path_of(parts), "problem": NUMBER_PROBLEM})
        elif isinstance(value, int):  # a bool is an int too
            if abs(value) >= _LONGEST_NUMBER:
                problems.append({"field": path_of(parts), "problem": NUMBER_PROBLEM})
        elif value is not None and not isinstance(value, dict | list | tuple):
            problems.append({"field": path_of(parts), "problem": "is not a JSON value (text, a number, true, false, "
                             "null, a list or an object)"})
        if isinstance(value, dict | list | tuple):
            if depth >= MAX_DEPTH:  # named by the field that holds it: "detail.tags", not "detail.tags[0][0]…"
                named = max((i for i, p in enumerate(parts) if isinstance(p, str)), default=-1)
                problems.append({"field": path_of(parts[:named + 1]), "problem": DEPTH_PROBLEM})
                continue
            if isinstance(value, dict):
                children: list[tuple[tuple[str | int, ...], Any, int]] = []
                for key, item in value.items():
                    if not isinstance(key, str) or _BAD_TEXT.search(key):
                        problems.append({"field": path_of(parts), "problem": NAME_PROBLEM})
                        continue
                    children.append(((*parts, key), item, depth + 1))
            else:
                children = [((*parts, i), item, depth + 1) for i, item in enumerate(value)]
            stack.extend(reversed(children))  # in the record's order
    return problems


def showable_text(value: Any) -> bool:
    """Whether text sent may be repeated in an outcome (an id): no NUL, nothing that is not UTF-8, short."""
    return isinstance(value, str) and len(value) <= 200 and not _BAD_TEXT.search(value)


def showable_name(name: str) -> bool:
    """Whether a field name sent may be repeated in a problem (short, letters, digits, '_' and '-')."""
    return bool(_SHOWABLE_NAME.fullmatch(name))


@lru_cache(maxsize=1)
def _detail_date_keys() -> tuple[frozenset[str], frozenset[str]]:  # (dates, times)
    """The detail keys the schema types as a date, and as a date and time (wherever a kind's rule declares them)."""
    dates: set[str] = set()
    times: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict) and isinstance(props.get("detail"), dict):
                for key, spec in (props["detail"].get("properties") or {}).items():
                    refs = _refs(spec)
                    if "#/$defs/date" in refs:
                        dates.add(key)
                    if "#/$defs/datetime" in refs:
                        times.add(key)
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    schema = load_schema()
    visit(schema)
    for key, spec in (schema["$defs"]["detail"].get("properties") or {}).items():
        refs = _refs(spec)
        if "#/$defs/date" in refs:
            dates.add(key)
        if "#/$defs/datetime" in refs:
            times.add(key)
    return frozenset(dates), frozenset(times)


@lru_cache(maxsize=1)
def _detail_dated() -> tuple[str, ...]:
    dates, times = _detail_date_keys()
    return tuple(sorted(dates | times))


@lru_cache(maxsize=1)
def _detail_dated_set() -> frozenset[str]:
    return frozenset(_detail_dated())


def _refs(spec: Any) -> set[str]:
    out: set[str] = set()
    if isinstance(spec, dict):
        if isinstance(spec.get("$ref"), str):
            out.add(spec["$ref"])
        for key in ("oneOf", "anyOf", "allOf"):
            for branch in spec.get(key) or ():
                out |= _refs(branch)
    return out


_OWN_DATES = (("occurred_at", True), ("recorded_at", True), ("amended_at", True), ("occurred_on", False),
              ("ended_on", False))


def bound_problems(record: dict[str, Any]) -> list[Problem]:
    """Dates and times (of a record that passed the schema) that cannot be stored or were never meant. The record's
    own dates lie between EARLIEST_DAY and LATEST_DAY; a person's dates and the detail's may be any real date (joinedup's
    own screens take any date of birth: one before 1900 is a warning), but not year 0000, which no database reads back."""
    problems: list[Problem] = []
    for key, timed in _OWN_DATES:
        value = record.get(key)
        if isinstance(value, str):
            if not EARLIEST_DAY <= value[:10] <= LATEST_DAY:
                problems.append({"field": key, "problem": f"must be a date from {EARLIEST_DAY} to {LATEST_DAY}"})
            elif timed and _instant(value) is None:
                problems.append({"field": key, "problem": _DATETIME_PROBLEM})
    for i, mention in enumerate(record.get("mentions") or ()):
        for key in ("dob", "expected_due_on"):
            value = mention.get(key)
            if isinstance(value, str) and value.startswith("0000"):
                problems.append({"field": f"mentions[{i}].{key}", "problem": _DATE_PROBLEM})
    detail = record.get("detail")
    if isinstance(detail, dict) and detail:
        times = _detail_date_keys()[1]
        dated = _detail_dated_set()
        # Only the dated keys the detail has (usually none or one), in _detail_dated's (sorted) order.
        for key in sorted(dated.intersection(detail)) if len(detail) < len(dated) else _detail_dated():
            value = detail.get(key)
            if not isinstance(value, str) or len(value) < 10:
                continue
            if value.startswith("0000"):
                problems.append({"field": f"detail.{key}", "problem": _DATETIME_PROBLEM if key in times
                                 else _DATE_PROBLEM})
            elif key in times and _instant(value) is None:
                problems.append({"field": f"detail.{key}", "problem": _DATETIME_PROBLEM})
    return problems


@lru_cache(maxsize=1024)  # a record's times are read by several checks in turn
def _instant(value: str) -> datetime | None:
    """A date and time as written (schema-valid), in UTC; None when Python cannot hold it (a leap second)."""
    try:
        moment = datetime.fromisoformat(value)
        return moment.astimezone(UTC) if moment.tzinfo else None
    except (ValueError, OverflowError):
        return None


def _day(record: dict[str, Any]) -> str:
    """The record's day as written: occurred_on, or occurred_at's date in its own offset."""
    return str(record.get("occurred_on") or str(record.get("occurred_at") or "")[:10])


def time_problems(record: dict[str, Any], now: datetime) -> list[Problem]:
    """What makes a (valid) record impossible when received at `now`: the event it records has not happened."""
    latest = now + FUTURE_TOLERANCE
    occurred_at = record.get("occurred_at")
    if isinstance(occurred_at, str):
        moment = _instant(occurred_at)
        if moment is not None and moment > latest:
            return [{"field": "occurred_at", "problem": _FUTURE}]
    elif isinstance(record.get("occurred_on"), str) and record["occurred_on"] > latest.date().isoformat():
        return [{"field": "occurred_on", "problem": _FUTURE}]
    return []


_FUTURE = ("is in the future (more than a day after joinedup received the record): a record is of something that "
           "has happened; send it once it has")


def warnings(record: dict[str, Any], now: datetime) -> list[Problem]:
    """What is odd about a (valid, possible) record but may be true, or a slip that must not cost the record: each
    is stored beside the version and reported to the sender, and the record is kept exactly as sent."""
    found: list[Problem] = []
    latest = now + FUTURE_TOLERANCE
    for key in ("recorded_at", "amended_at"):
        moment = _instant(record[key]) if isinstance(record.get(key), str) else None
        if moment is not None and moment > latest:
            found.append({"field": key, "problem": "is in the future (more than a day after joinedup received the "
                          "record): the sending system's clock may be wrong; the record was kept as sent"})
    recorded, occurred_at = record.get("recorded_at"), record.get("occurred_at")
    if isinstance(recorded, str):
        if isinstance(occurred_at, str):  # two moments: compared as instants, whatever their offsets
            recorded_moment, occurred_moment = _instant(recorded), _instant(occurred_at)
            before = bool(recorded_moment and occurred_moment and recorded_moment < occurred_moment)
        else:  # a day: compared with the day recorded_at gives, as written (the sender's own offset)
            before = recorded[:10] < _day(record)
        if before:
            found.append({"field": "recorded_at", "problem": "is before the record's occurred_at or occurred_on: "
                          "recorded before it happened; the record was kept as sent (check the sending system's "
                          "dates)"})
    day = _day(record)
    for i, mention in enumerate(record.get("mentions") or ()):
        dob = mention.get("dob")
        if isinstance(dob, str) and day and dob > day and mention.get("role") not in BORN_LATER_ROLES:
            found.append({"field": f"mentions[{i}].dob", "problem": "is after the day the record is about "
                          "(occurred_on or occurred_at): a birth after the event; the record was kept as sent "
                          "(check the date of birth)"})
        elif isinstance(dob, str) and dob < EARLIEST_DAY:
            found.append({"field": f"mentions[{i}].dob", "problem": f"is before {EARLIEST_DAY}: the record was kept "
                          "as sent (check the date of birth)"})
    return found


def size_problem(record: Any, size: int) -> Problem:
    """The refusal of a record `size` bytes long (over MAX_RECORD_BYTES), naming its longest text when that is
    what makes it too long."""
    limit = f"a record may be at most {MAX_RECORD_BYTES // 1_048_576} MiB ({MAX_RECORD_BYTES:,} bytes) as compact JSON"
    said = f"{size / 1_048_576:.1f} MiB"
    longest: tuple[int, tuple[str | int, ...]] = (0, ())
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), record)]
    while stack:
        parts, value = stack.pop()
        if isinstance(value, str):
            if len(value) > longest[0]:
                longest = (len(value), parts)
        elif isinstance(value, dict):
            stack.extend(((*parts, k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend(((*parts, i), v) for i, v in enumerate(value))
    if longest[0] * 2 >= size and longest[1]:
        return {"field": path_of(longest[1]), "problem": f"is too long: the record is {said}; {limit}"}
    return {"field": "", "problem": f"is too large: the record is {said}; {limit}"}
