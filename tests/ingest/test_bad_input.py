"""Bad input never crashes, never half-stores (issue 18).

Each probe of the issue is a case, through a file (`joinedup ingest`) and through the API: the bad record is refused
naming its field (or, where it is plausible, stored with a warning), the good records before and after it are stored,
the exit status is 1 only for a refusal, and nothing answers 500. Then property tests (hypothesis) over the JSON
lines, CSV and FHIR readers and the API: arbitrary text and JSON never raise, and never store part of a record.
"""

from __future__ import annotations

import copy
import csv
import io
import itertools
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from joinedup.accounts.models import Role
from joinedup.accounts.services import actor_for, api_token_create
from joinedup.core.actor import ActorRef
from joinedup.ingest.bulk import Adapter
from joinedup.ingest.formats import (
    CSV_HEADER,
    fhir_bundle_to_records,
    record_to_csv_rows,
    record_to_fhir_bundle,
    write_csv,
)
from joinedup.ingest.limits import MAX_RECORD_BYTES
from joinedup.ingest.models import Mention, SourceRecord, SourceRecordVersion
from joinedup.ingest.prepare import CHECK_FAILED, canonical_json, prepare_record
from joinedup.ingest.readers import FHIR_UNREADABLE, parse_json_line, read_items
from joinedup.ingest.services import STORE_FAILED, VIA_FILE, records_ingest

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]

URL = "/api/v1/records/"
EXCEPTION_NAMES = re.compile(r"\b\w*(Error|Exception)\b")
FALLBACKS = {CHECK_FAILED, FHIR_UNREADABLE, STORE_FAILED}  # the last lines of defence: no probe may reach them
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
DB_PROPERTY = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def feed(make_user, agency) -> Client:
    """The agency's system, by its token; a server error is answered (500), not raised, so it can be seen."""
    user = make_user(role=Role.PARTNER_PRACTITIONER, agency=agency)
    _, secret = api_token_create(actor=actor_for(user), user=user, name="feed")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", raise_request_exception=False)


def ingest(*paths: Path, workers: str = "0") -> tuple[int, str]:
    """`joinedup ingest` as run by hand: its exit status and its report."""
    out = io.StringIO()
    try:
        call_command("ingest", *map(str, paths), "--no-progress", "--workers", workers, stdout=out,
                     stderr=io.StringIO())
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def stored_ids() -> set[str]:
    return set(SourceRecord.objects.values_list("source_record_id", flat=True))


def line(record: Any) -> bytes:
    return json.dumps(record).encode()


def changed(record: dict[str, Any], *path_and_value: Any) -> dict[str, Any]:
    """A copy of the record with the value at a path (keys and indexes) set."""
    *path, value = path_and_value
    out = copy.deepcopy(record)
    node = out
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return out


def nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth - 1):
        value = [value]
    return value


def assert_plain(problems: list[dict[str, str]]) -> None:
    """Problems in plain words: a field and a problem, UTF-8 text, no Python exception names, no fallbacks."""
    for p in problems:
        assert set(p) == {"field", "problem"} and p["problem"], p
        (p["field"] + p["problem"]).encode("utf-8")  # never a lone surrogate, so printable and renderable
        assert not EXCEPTION_NAMES.search(p["problem"]), p
        assert p["problem"] not in FALLBACKS, p


# --- The probes: each refused by field, the records around it stored -------------------------------------

# name: (the bad record's JSON as bytes, from a good one; the field named; words of the problem; how the API answers
# it in a batch: "record" (refused on its own, the batch 200) or the status of the whole body)
BAD: dict[str, tuple[Any, str, str, Any]] = {
    "a JSON array nested 2,000 deep": (lambda r: b"[" * 2000 + b"]" * 2000, "", "nested too deeply", 422),
    "a record nested 40 deep": (lambda r: line(changed(r, "detail", "tags", nested(40))), "detail.tags",
                                "nested more than 16 levels deep", "record"),
    "a lone surrogate in a name": (lambda r: line(changed(r, "mentions", 0, "given_name", "Ev\udc80y")),
                                   "mentions[0].given_name", "not valid UTF-8", "record"),
    "bytes that are not UTF-8 in a name": (lambda r: line(r).replace(b'"Evey"', b'"Ev\xff\xfey"'),
                                           "mentions[0].given_name", "not valid UTF-8", "record"),
    "a version of 2^63": (lambda r: line(changed(changed(r, "version", 2**63), "amended_at", "2023-04-10T09:00:00Z")),
                          "version", "from 1 to 2,147,483,647", "record"),
    "a version of 2,147,483,648": (
        lambda r: line(changed(changed(r, "version", 2**31), "amended_at", "2023-04-10T09:00:00Z")),
        "version", "from 1 to 2,147,483,647", "record"),
    "a NUL in text": (lambda r: line(changed(r, "detail", "text", "seen\x00at home")), "detail.text", "NUL", "record"),
    "NaN, which is not JSON": (lambda r: line(changed(r, "detail", "score", float("nan"))), "detail.score",
                               "finite number", 422),
    "an event in 2099": (lambda r: line(changed(changed(r, "occurred_at", "2099-04-09T16:40:00Z"), "recorded_at",
                                                "2099-04-09T17:00:00Z")), "occurred_at", "in the future", "record"),
    "a leap second": (lambda r: line(changed(r, "recorded_at", "2016-12-31T23:59:60Z")), "recorded_at",
                      "seconds 00 to 59", "record"),
    "a birth in year 0": (lambda r: line(changed(r, "mentions", 0, "dob", "0000-01-01")), "mentions[0].dob",
                          "must be a real date", "record"),
    "an event in 1066": (lambda r: line(changed(r, "occurred_at", "1066-10-14T09:00:00Z")), "occurred_at",
                         "from 1900-01-01 to 2199-12-31", "record"),
    "a 50 MiB record": (lambda r: line(changed(r, "detail", "text", "x" * (50 * 1_048_576))), "detail.text",
                        "a record may be at most 1 MiB", 413),
    "a number of 5,000 digits": (lambda r: line(r)[:-1] + b', "extra": ' + b"9" * 5000 + b"}", "",
                                 "number too long to read", 422),
}


@pytest.mark.parametrize("probe", list(BAD))
def test_a_bad_line_is_refused_by_field_and_the_lines_around_it_are_stored(probe, tmp_path, make_record):
    make, field, words, _ = BAD[probe]
    before, after = make_record(source_record_id="GOOD-1"), make_record(source_record_id="GOOD-2")
    path = tmp_path / "records.jsonl"
    path.write_bytes(line(before) + b"\n" + make(make_record(source_record_id="BAD")) + b"\n" + line(after) + b"\n")

    status, report = ingest(path)

    assert status == 1, report
    assert "1 refused" in report and "2 created" in report
    said = [x for x in report.splitlines() if x.startswith("  line 2: ")]
    assert said and said[0].startswith(f"  line 2: {field or '(record)'}: ") and words in said[0], report
    assert stored_ids() == {"GOOD-1", "GOOD-2"}
    assert Mention.objects.count() == 4


def test_the_worker_processes_isolate_bad_lines_too(tmp_path, make_record):
    """With --workers 1 the lines are parsed and checked in another process: the same refusals, nothing lost."""
    lines = [line(make_record(source_record_id="GOOD-0"))]
    for i, (name, (make, *_)) in enumerate(BAD.items()):
        if name != "a 50 MiB record":
            lines.append(make(make_record(source_record_id=f"BAD-{i}")))
        lines.append(line(make_record(source_record_id=f"GOOD-{i + 1}")))
    path = tmp_path / "records.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    status, report = ingest(path, workers="1")
    assert status == 1 and f"{len(BAD) + 1} created, 0 new versions, 0 unchanged, {len(BAD) - 1} refused" in report
    assert stored_ids() == {f"GOOD-{i}" for i in range(len(BAD) + 1)}


@pytest.mark.parametrize("probe", list(BAD))
def test_the_api_refuses_the_bad_record_and_stores_the_rest_of_the_batch(probe, feed, make_record):
    make, field, words, answer = BAD[probe]
    before, after = make_record(source_record_id="GOOD-1"), make_record(source_record_id="GOOD-2")
    bad = make(make_record(source_record_id="BAD"))
    body = b'{"records": [' + line(before) + b", " + bad + b", " + line(after) + b"]}"

    response = feed.post(URL, data=body, content_type="application/json")

    assert response["Content-Type"] == "application/json"
    answer_body = response.json()
    if answer == "record":
        assert response.status_code == 200, answer_body
        outcomes = answer_body["outcomes"]
        assert [o["status"] for o in outcomes] == ["created", "refused", "created"]
        assert_plain(outcomes[1]["errors"])
        assert any(e["field"] == field and words in e["problem"] for e in outcomes[1]["errors"]), outcomes[1]
        assert stored_ids() == {"GOOD-1", "GOOD-2"}
        # The same record alone: 422 naming the field.
        alone = feed.post(URL, data=bad, content_type="application/json")
        assert alone.status_code == 422 and any(e["field"] == field for e in alone.json()["errors"])
    else:  # the body itself cannot be read: refused whole, in the API's error shape, naming the body
        assert response.status_code == answer, answer_body
        assert [e["field"] for e in answer_body["errors"]] == [""]
        assert_plain(answer_body["errors"])
        assert stored_ids() == set()


def test_a_record_over_1_mib_is_refused_by_the_api_in_a_batch_under_the_body_limit(feed, make_record):
    big = make_record(source_record_id="BIG")
    big["detail"]["text"] = "x" * (MAX_RECORD_BYTES + 1)
    records = [make_record(source_record_id="GOOD-1"), big, make_record(source_record_id="GOOD-2")]
    response = feed.post(URL, data=json.dumps({"records": records}), content_type="application/json")
    assert response.status_code == 200
    outcome = response.json()["outcomes"][1]
    assert outcome["status"] == "refused" and outcome["errors"][0]["field"] == "detail.text"
    assert "is too long: the record is 1.0 MiB" in outcome["errors"][0]["problem"]
    assert stored_ids() == {"GOOD-1", "GOOD-2"}


# --- Plausible but odd: stored with a warning, kept beside the version -----------------------------------------

WARNED = {
    "recorded in 2099": (("recorded_at", "2099-04-09T17:24:00Z"), "recorded_at", "in the future"),
    "a birth after the event": (("mentions", 0, "dob", "2023-05-01"), "mentions[0].dob", "a birth after the event"),
    "a birth in 2099": (("mentions", 1, "dob", "2099-01-01"), "mentions[1].dob", "a birth after the event"),
    "recorded before it happened": (("recorded_at", "2023-04-08T10:00:00Z"), "recorded_at",
                                    "recorded before it happened"),
    "a birth before 1900": (("mentions", 1, "dob", "1850-02-01"), "mentions[1].dob", "is before 1900-01-01"),
}


@pytest.mark.parametrize("probe", list(WARNED))
def test_a_plausible_record_is_stored_with_a_warning(probe, tmp_path, make_record, feed):
    change, field, words = WARNED[probe]
    odd = changed(make_record(source_record_id="ODD"), *change)
    path = tmp_path / "records.jsonl"
    path.write_bytes(line(make_record(source_record_id="GOOD-1")) + b"\n" + line(odd) + b"\n")

    status, report = ingest(path)

    assert status == 0, report  # warnings alone are not a failure
    assert "1 stored with warnings" in report
    assert any(x.startswith(f"  line 2: warning: {field}: ") and words in x for x in report.splitlines()), report
    version = SourceRecordVersion.objects.get(record__source_record_id="ODD")
    assert [w["field"] for w in version.warnings] == [field] and words in version.warnings[0]["problem"]
    assert version.payload == odd  # kept exactly as sent
    assert SourceRecordVersion.objects.get(record__source_record_id="GOOD-1").warnings is None

    sent = changed(odd, "source_record_id", "ODD-API")
    response = feed.post(URL, data=json.dumps(sent), content_type="application/json")
    assert response.status_code == 201
    assert [w["field"] for w in response.json()["warnings"]] == [field]
    assert SourceRecordVersion.objects.get(record__source_record_id="ODD-API").warnings == response.json()["warnings"]


@pytest.mark.parametrize("role", ["unborn", "household_member", "occupant"])
def test_a_person_who_may_be_born_after_the_day_is_no_warning(role, tmp_path, make_record):
    """An unborn child, or a baby added to a later version of a tenancy that began before they were born."""
    later = changed(changed(make_record(source_record_id="LATER"), "mentions", 1, "dob", "2023-05-01"),
                    "mentions", 1, "role", role)
    path = tmp_path / "records.jsonl"
    path.write_bytes(line(later) + b"\n")
    status, report = ingest(path)
    assert status == 0 and "warning" not in report, report
    assert SourceRecordVersion.objects.get(record__source_record_id="LATER").warnings is None


# --- CSV: true-or-false cells, the byte-order mark, bytes that are not UTF-8 -----------------------------------------

def csv_file(tmp_path: Path, records: list[dict[str, Any]], change=None, *, prefix: bytes = b"") -> Path:
    """The records as a CSV file; `change(rows)` edits the rows (dicts of cells) first."""
    rows = [row for r in records for row in record_to_csv_rows(r)]
    if change:
        change(rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "records.csv"
    path.write_bytes(prefix + out.getvalue().encode("utf-8", "surrogatepass"))  # a lone surrogate: bytes not UTF-8
    return path


@pytest.mark.parametrize("cell", ["TRUE", "true", "yes", "Yes", "Y", "1", " t "])
def test_csv_address_protected_reads_every_way_of_saying_true(cell, tmp_path, make_record):
    records = [make_record(source_record_id=f"R-{i}") for i in range(3)]
    path = csv_file(tmp_path, records, lambda rows: rows[2].update(address_protected=cell))  # R-1's first mention
    status, report = ingest(path)
    assert status == 0, report
    mention = Mention.objects.get(record__source_record_id="R-1", mention_id="m1")
    assert mention.address_protected and mention.address_lines == [] and mention.postcode == ""
    assert mention.address_key == ""
    assert not Mention.objects.get(record__source_record_id="R-1", mention_id="m2").address_protected


@pytest.mark.parametrize("cell", ["false", "FALSE", "no", "N", "0", ""])
def test_csv_address_protected_reads_false(cell, tmp_path, make_record):
    path = csv_file(tmp_path, [make_record()], lambda rows: rows[0].update(address_protected=cell))
    assert ingest(path)[0] == 0
    mention = Mention.objects.get(mention_id="m1")
    assert not mention.address_protected and mention.address_lines


@pytest.mark.parametrize("cell", ["maybe", "protected", "2", "refuge", "tru"])
def test_an_unreadable_address_protected_is_refused_never_shown(cell, tmp_path, make_record):
    records = [make_record(source_record_id=f"R-{i}") for i in range(3)]
    path = csv_file(tmp_path, records, lambda rows: rows[3].update(address_protected=cell))  # R-1's second mention
    status, report = ingest(path)
    assert status == 1
    assert ("  line 4: mentions[1].address.protected: must be true or false (in a CSV file's address_protected: "
            "true, yes, y or 1; false, no, n, 0 or empty): a value that cannot be read is never taken to mean not "
            "protected") in report
    assert stored_ids() == {"R-0", "R-2"}


def test_csv_dob_estimated_reads_yes_and_no(tmp_path, make_record):
    def change(rows):
        rows[0]["dob_estimated"], rows[1]["dob_estimated"] = "YES", "no"
    assert ingest(csv_file(tmp_path, [make_record()], change))[0] == 0
    assert dict(Mention.objects.values_list("mention_id", "dob_estimated")) == {"m1": True, "m2": False}


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "json"])
def test_a_byte_order_mark_is_accepted(suffix, tmp_path, make_record):
    records = [make_record(source_record_id=f"R-{i}") for i in range(2)]
    text = {"jsonl": "".join(json.dumps(r) + "\n" for r in records), "csv": write_csv(records),
            "json": json.dumps({"records": records})}[suffix]
    path = tmp_path / f"records.{suffix}"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    status, report = ingest(path)
    assert status == 0, report
    assert stored_ids() == {"R-0", "R-1"}


def test_bytes_that_are_not_utf8_in_a_csv_cell_are_refused_by_field(tmp_path, make_record):
    records = [make_record(source_record_id=f"R-{i}") for i in range(3)]
    path = csv_file(tmp_path, records, lambda rows: rows[2].update(family_name="Col\udcffe"))
    status, report = ingest(path)
    assert status == 1
    assert "  line 4: mentions[0].family_name: holds text that is not valid UTF-8" in report
    assert stored_ids() == {"R-0", "R-2"}
    assert not Mention.objects.filter(family_name__contains="\ufffd").exists()  # never stored as U+FFFD


def test_a_csv_cell_of_2_mib_is_read_and_its_record_refused_by_field(tmp_path, make_record):
    records = [make_record(source_record_id=f"R-{i}") for i in range(3)]
    big = json.dumps({"text": "x" * (2 * MAX_RECORD_BYTES)})
    path = csv_file(tmp_path, records, lambda rows: [rows[i].update(detail_json=big) for i in (2, 3)])
    status, report = ingest(path)
    assert status == 1 and "  line 4: detail.text: is too long" in report
    assert stored_ids() == {"R-0", "R-2"}


# --- FHIR: refusals name the element, in plain words ---------------------------------------------------------------

def _bundle_changes(bundle: dict[str, Any]) -> dict[str, tuple[dict[str, Any], str]]:
    entries = bundle["entry"]
    obs = next(i for i, e in enumerate(entries) if e["resource"]["resourceType"] == "Observation")
    without_identifier = {k: v for k, v in bundle.items() if k != "identifier"}
    no_code = copy.deepcopy(bundle)
    del no_code["entry"][obs]["resource"]["code"]
    return {
        "no identifier": (without_identifier, "identifier"),
        "a versionId in words": (changed(bundle, "meta", "versionId", "one"), "meta.versionId"),
        "a given name as text, not a list": (changed(bundle, "entry", 0, "resource", "name", 0, "given", "Evey"),
                                             "entry[0].resource.name[0].given"),
        "an extension without a url": (changed(bundle, "entry", 0, "resource", "extension", 0, {"valueString": "m1"}),
                                       "entry[0].resource.extension[0]"),
        "an Observation without a code": (no_code, f"entry[{obs}].resource.code.text"),
        "entries that are not a list": (changed(bundle, "entry", {"resource": {}}), "entry"),
        "a name use that is a list": (changed(bundle, "entry", 0, "resource", "name", 0, "use", ["old"]),
                                      "entry[0].resource.name[0].use"),
    }


def test_fhir_refusals_name_the_element_in_plain_words(tmp_path, make_record):
    good = record_to_fhir_bundle(make_record(source_record_id="GOOD-1"))
    changes = _bundle_changes(record_to_fhir_bundle(make_record(source_record_id="BAD")))
    lines = [line(good)] + [line(bad) for bad, _ in changes.values()]
    lines.append(line(record_to_fhir_bundle(make_record(source_record_id="GOOD-2"))))
    path = tmp_path / "bundles.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")

    status, report = ingest(path)

    assert status == 1
    assert stored_ids() == {"GOOD-1", "GOOD-2"}
    for n, (name, (_bad, field)) in enumerate(changes.items(), start=2):
        said = [x for x in report.splitlines() if x.startswith(f"  line {n}: ")]
        if said:  # the report shows the first five refusals
            assert said[0].startswith(f"  line {n}: {field}: "), (name, said)
        items = list(parse_json_line(n, lines[n - 1].decode()))
        assert [p["field"] for p in items[0].problems][:1] == [field], (name, items[0].problems)
        assert_plain(items[0].problems)
    assert not EXCEPTION_NAMES.search(report)


# --- The API: errors in its own shape, never a 500 -------------------------------------------------------------------

def test_invalid_json_is_422_naming_the_body_not_a_field_called_detail(feed):
    response = feed.post(URL, data="{not json", content_type="application/json")
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "" and error["problem"].startswith("the body is not valid JSON (")


def test_the_api_accepts_a_byte_order_mark(feed, make_record):
    response = feed.post(URL, data=b"\xef\xbb\xbf" + line(make_record()), content_type="application/json")
    assert response.status_code == 201


@pytest.mark.parametrize("debug", [False, True])
def test_a_body_over_the_limit_is_413_in_json(feed, make_record, settings, debug):
    settings.DEBUG = debug  # Django's own answer would be its HTML page when DEBUG is on
    record = make_record()
    record["detail"]["text"] = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = feed.post(URL, data=json.dumps(record), content_type="application/json")
    assert response.status_code == 413 and response["Content-Type"] == "application/json"
    (error,) = response.json()["errors"]
    assert error["field"] == "" and "the most joinedup reads in one request" in error["problem"]
    assert not SourceRecord.objects.exists()


def test_a_value_the_database_refuses_costs_only_its_own_record(make_record):
    """Beyond what is checked before writing: if the database still refuses a value, the batch is written again record
    by record (each in a savepoint), and only that record is refused."""
    db = Adapter()
    prepared = [prepare_record(make_record(source_record_id=f"R-{i}"), db) for i in range(3)]
    prepared[1].version = 2**63  # past every check: what a check missed would look like to the database
    result = records_ingest(actor=ActorRef.system("ingest"), records=prepared, via=VIA_FILE)
    assert [o.status for o in result.outcomes] == ["created", "refused", "created"]
    assert result.outcomes[1].errors == [{"field": "", "problem": STORE_FAILED}]
    assert stored_ids() == {"R-0", "R-2"} and Mention.objects.count() == 4


# --- Property tests: arbitrary input never raises and never half-stores -----------------------------------------------

TEXT = st.text(alphabet=st.characters() | st.characters(categories=["Cs"]) | st.sampled_from("\x00\"\\\n\r,;|:"),
               max_size=12)
SPECIAL = st.sampled_from([
    "", "\x00", "\udc80", "2099-01-01", "2099-01-01T00:00:00Z", "0000-01-01", "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00", "2016-12-31T23:59:60Z", "true", "TRUE", "yes", "maybe", "m1", "patient",
    "injury", "1", "99999999999", 2**31, 2**63, -1, 0, 10**30, 1e308, 2.5, float("nan"), float("inf"), True, None,
])
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | TEXT | SPECIAL
RECURSIVE = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                         max_leaves=8)
JSON = st.one_of(RECURSIVE, RECURSIVE, RECURSIVE, RECURSIVE, st.integers(1, 60).map(nested))


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _slots(value: Any, path: tuple = ()) -> list[tuple]:
    """Every place in a JSON value: a path to a key or index of a container."""
    out = []
    if isinstance(value, dict):
        for key, item in value.items():
            out.append((*path, key))
            out += _slots(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.append((*path, i))
            out += _slots(item, (*path, i))
    return out


@st.composite
def mutated(draw, base: dict[str, Any]) -> Any:
    """A valid record or Bundle with one to three values replaced, removed or added."""
    value = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        slots = _slots(value)
        if not slots:
            break
        *parent, key = draw(st.sampled_from(slots))
        node = value
        for step in parent:
            node = node[step]
        action = draw(st.sampled_from(["replace", "replace", "plausible", "plausible", "remove", "add"]))
        if action == "replace":
            node[key] = draw(JSON)
        elif action == "plausible":  # a value of the right kind, often: more changed records are stored
            node[key] = draw(st.sampled_from(_LEAVES) | SPECIAL)
        elif action == "remove":
            del node[key]
        elif isinstance(node, dict):
            node[draw(TEXT)] = draw(JSON)
        else:
            node.append(draw(JSON))
    return value


def encoded(value: Any, raw: bool) -> bytes:
    """JSON text as a sender might write it: with escapes, or raw (a lone surrogate then becomes bytes that are not
    UTF-8). NaN and Infinity come out as Python writes them, which is not JSON."""
    text = json.dumps(value, ensure_ascii=not raw)
    return text.encode("utf-8", "surrogatepass")


_EXAMPLE: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "docs/formats/examples/ed-attendance-injury.json").read_text())
_BUNDLE = record_to_fhir_bundle(_EXAMPLE)
_LEAVES = [json.loads(v) for v in sorted({json.dumps(v) for b in (_EXAMPLE, _BUNDLE) for v in _leaves(b)})]
LINES = (
    st.binary(max_size=60)
    | st.builds(encoded, JSON, st.booleans())
    | st.builds(encoded, mutated(_EXAMPLE), st.booleans())
    | st.builds(encoded, mutated(_BUNDLE), st.booleans())
)


@PROPERTY
@given(text=LINES)
def test_property_a_json_line_never_raises(text):
    """Any line (bytes, JSON, a record or Bundle changed anyhow) gives records or problems, never an exception."""
    decoded = text.decode("utf-8", "surrogateescape")
    db = Adapter("postgresql")
    for item in parse_json_line(1, decoded):
        assert (item.record is None) != (not item.problems)
        assert_plain(item.problems)
        if item.record is not None:
            prepared = prepare_record(item.record, db)
            assert_plain(prepared.problems + prepared.warnings)
            if not prepared.problems:
                assert prepared.canonical == canonical_json(item.record)
                prepared.canonical.encode("utf-8")  # storable as it is


_counter = itertools.count()


def same(a: Any, b: Any) -> bool:
    """Equal JSON, numbers compared as numbers (PostgreSQL's jsonb writes 1e308 out in full digits)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b or math.isclose(a, b, rel_tol=1e-15)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _assert_whole_or_nothing(sent: Any, srid: str) -> None:
    """A record sent is stored whole (its payload exactly as sent, a mention for each of its mentions) or not at all."""
    versions = list(SourceRecordVersion.objects.filter(record__source_record_id=srid).values_list("payload", flat=True))
    if not versions:
        return
    assert len(versions) == 1 and same(versions[0], sent), (versions, sent)
    assert Mention.objects.filter(record__source_record_id=srid).count() == len(sent["mentions"])


def _ours(bad: Any, n: int, code: str) -> Any:
    """A changed record made this example's: the example's agency and id become the test's (other values as drawn)."""
    if isinstance(bad, dict):
        bad = dict(bad)
        if isinstance(bad.get("source_record_id"), str):
            bad["source_record_id"] = f"P{n}-X"
        if bad.get("agency_id") == _EXAMPLE["agency_id"]:
            bad["agency_id"] = code
    return bad


def _nonfinite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_nonfinite(v) for v in value.values())
    if isinstance(value, list):
        return any(_nonfinite(v) for v in value)
    return False


@DB_PROPERTY
@given(bad=mutated(_EXAMPLE) | JSON, raw=st.booleans())
def test_property_a_json_lines_file_never_half_stores(bad, raw, tmp_path, agency):
    n = next(_counter)
    good = [changed(_EXAMPLE, "agency_id", agency.code), changed(_EXAMPLE, "agency_id", agency.code)]
    good[0]["source_record_id"], good[1]["source_record_id"] = f"P{n}-A", f"P{n}-B"
    bad = _ours(bad, n, agency.code)
    path = tmp_path / f"p{n}.jsonl"
    path.write_bytes(encoded(good[0], False) + b"\n" + encoded(bad, raw) + b"\n" + encoded(good[1], False) + b"\n")

    status, report = ingest(path)

    assert status in (0, 1), report
    assert {f"P{n}-A", f"P{n}-B"} <= stored_ids()
    if isinstance(bad, dict) and isinstance(bad.get("source_record_id"), str):
        _assert_whole_or_nothing(bad, bad["source_record_id"])
    assert not any(fallback in report for fallback in FALLBACKS)


CELLS = st.sampled_from([c for c in CSV_HEADER])


@DB_PROPERTY
@given(changes=st.lists(st.tuples(st.integers(0, 1), CELLS, TEXT | SPECIAL.map(str)), min_size=1, max_size=4))
def test_property_a_csv_file_never_half_stores(changes, tmp_path, agency):
    """Cells of the middle record's rows replaced by anything: the records around it are stored whole."""
    n = next(_counter)
    records = [changed(changed(_EXAMPLE, "agency_id", agency.code), "source_record_id", f"P{n}-{x}") for x in "AXB"]

    def change(rows):
        for row, column, value in changes:
            rows[2 + row][column] = value

    path = csv_file(tmp_path, records, change)
    path = path.rename(tmp_path / f"p{n}.csv")
    status, report = ingest(path)

    assert status in (0, 1), report
    for srid in (f"P{n}-A", f"P{n}-B"):
        assert Mention.objects.filter(record__source_record_id=srid).count() == 2
    assert not any(fallback in report for fallback in FALLBACKS)
    # What is stored is exactly what the reader read: a record it refused is not stored, even in part.
    stored = {r.current.payload["source_record_id"]: r.current.payload
              for r in SourceRecord.objects.filter(source_record_id__startswith=f"P{n}-").select_related("current")}
    for item in read_items(path):
        if item.record is not None and isinstance(item.record.get("source_record_id"), str):
            srid = item.record["source_record_id"]
            if srid in stored and not prepare_record(item.record).problems:
                assert same(stored[srid], item.record)


@DB_PROPERTY
@given(bad=mutated(_BUNDLE))
def test_property_a_fhir_feed_never_half_stores(bad, tmp_path, agency):
    n = next(_counter)
    good = [record_to_fhir_bundle({**_EXAMPLE, "agency_id": agency.code, "source_record_id": f"P{n}-{x}"})
            for x in "AB"]
    identifier = bad.get("identifier")
    if isinstance(identifier, dict) and identifier.get("system") == _BUNDLE["identifier"]["system"]:
        bad["identifier"] = {**identifier, "system": f"urn:joinedup:agency:{agency.code}:record", "value": f"P{n}-X"}
    path = tmp_path / f"p{n}.jsonl"
    path.write_bytes(b"\n".join(encoded(b, False) for b in (good[0], bad, good[1])) + b"\n")

    status, report = ingest(path)

    assert status in (0, 1), report
    assert {f"P{n}-A", f"P{n}-B"} <= stored_ids()
    assert not any(fallback in report for fallback in FALLBACKS)  # every Bundle refused is refused by its element
    assert not EXCEPTION_NAMES.search(report)
    if f"P{n}-X" in stored_ids():  # stored: whole, exactly the record the mapping reads from it
        _assert_whole_or_nothing(fhir_bundle_to_records(bad)[0], f"P{n}-X")


@DB_PROPERTY
@given(bad=mutated(_EXAMPLE) | JSON, raw=st.booleans())
def test_property_the_api_never_answers_500_nor_half_stores(bad, raw, feed, agency):
    n = next(_counter)
    good = [{**_EXAMPLE, "agency_id": agency.code, "source_record_id": f"P{n}-{x}"} for x in "AB"]
    bad = _ours(bad, n, agency.code)
    body = b'{"records": [' + encoded(good[0], False) + b", " + encoded(bad, raw) + b", " + \
        encoded(good[1], False) + b"]}"

    batch = feed.post(URL, data=body, content_type="application/json")
    alone = feed.post(URL, data=encoded(bad, raw), content_type="application/json")

    for response in (batch, alone):
        assert response.status_code in (200, 201, 403, 413, 422), response.content[:300]
        assert response["Content-Type"] == "application/json"
        errors = response.json().get("errors") or []
        assert_plain(errors)
    if batch.status_code == 200:
        assert {f"P{n}-A", f"P{n}-B"} <= stored_ids()
        outcome = batch.json()["outcomes"][1]
        assert_plain(outcome["errors"] + outcome["warnings"])
    else:  # refused whole: only a body that is not JSON (NaN, Infinity) or a batch item that is not an object
        assert batch.status_code == 422 and (not isinstance(bad, dict) or _nonfinite(bad))
    if isinstance(bad, dict) and isinstance(bad.get("source_record_id"), str):
        _assert_whole_or_nothing(bad, bad["source_record_id"])
