"""`joinedup ingest`: files and simulated authorities, any format, with summaries and an honest exit status."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from joinedup.accounts.models import Agency
from joinedup.audit.models import AuditEvent
from joinedup.ingest.formats import record_to_fhir_bundle, write_csv
from joinedup.ingest.models import Mention, SourceRecord, SourceRecordVersion
from joinedup.ingest.schema import load_schema as _load_schema

from .helpers import agencies, authority_records

KINDS = len(_load_schema()["$defs"]["kind"]["enum"])  # the format's kinds, counted from its schema

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]


def run(*args: str, workers: str = "0") -> str:
    """The command's report (records are prepared in a thread unless workers are asked for)."""
    out = io.StringIO()
    call_command("ingest", *args, "--no-progress", "--workers", workers, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_a_simulated_authority_loads_and_reloads_unchanged(small_authority):
    out, _ = small_authority
    records = list(authority_records(out))
    versions = len({json.dumps(r, sort_keys=True) for r in records})
    keys = {(r["agency_id"], r["source_record_id"]) for r in records}

    report = run(str(out), "--register-agencies", "--batch-size", "500", workers="1")
    assert Agency.objects.filter(code__in=[a["id"] for a in agencies(out)]).count() == len(agencies(out))
    assert SourceRecord.objects.count() == len(keys)
    assert SourceRecordVersion.objects.count() == versions
    mentions = Mention.objects.count()
    assert mentions == sum(len(r["mentions"]) for r in records if r["version"] == 1)  # later versions keep them
    assert f"{mentions:,} mentions await linkage: queued for the worker (`joinedup worker`), or run `joinedup link` now" in report
    assert f"{len(keys):,} created, {versions - len(keys):,} new versions, 0 unchanged, 0 refused" in report
    for a in agencies(out):
        assert f"agencies/{a['id']}/" in report  # one summary per file
    # Each current version is the highest the agency sent.
    highest = {}
    for r in records:
        key = (r["agency_id"], r["source_record_id"])
        highest[key] = max(highest.get(key, 0), r["version"])
    for record in SourceRecord.objects.select_related("agency", "current")[:500]:
        assert record.current.version == highest[(record.agency.code, record.source_record_id)]
    assert AuditEvent.objects.filter(action="record.ingest", actor_username="ingest").exists()

    again = run(str(out))
    assert f"0 created, 0 new versions, {len(records):,} unchanged, 0 refused" in again
    assert "No new mentions: nothing to link." in again and "joinedup link" not in again
    assert SourceRecordVersion.objects.count() == versions


def test_csv_and_fhir_files_give_the_same_records_as_json_lines(tmp_path, small_authority):
    out, _ = small_authority
    sample = [r for r in authority_records(out) if r["agency_id"] == "northbrook-police"][:150]
    sample += [r for r in authority_records(out) if r["agency_id"] == "st-aldrics-hospital"][:150]
    (tmp_path / "json").mkdir()
    (tmp_path / "json" / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in sample))
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "records.csv").write_text(write_csv(sample))
    (tmp_path / "other" / "bundles.jsonl").write_text(
        "".join(json.dumps(record_to_fhir_bundle(r)) + "\n" for r in sample)
    )
    shutil.copy(out / "agencies.json", tmp_path / "json" / "agencies.json")
    run(str(tmp_path / "json"), "--register-agencies")
    stored = SourceRecordVersion.objects.count()
    assert stored == len(sample)
    report = run(str(tmp_path / "other"))
    assert f"records.csv: {len(sample):,} records — 0 created, 0 new versions, {len(sample):,} unchanged" in report
    assert f"bundles.jsonl: {len(sample):,} records — 0 created, 0 new versions, {len(sample):,} unchanged" in report
    assert SourceRecordVersion.objects.count() == stored


def test_refusals_are_reported_by_line_and_exit_1(tmp_path, make_record):
    good, bad = make_record(), make_record(source_record_id="B-1", kind="gossip")
    lines = [json.dumps(good), "{not json", "", json.dumps(bad), json.dumps(["a list"])]
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(lines) + "\n")
    out = io.StringIO()
    with pytest.raises(CommandError, match="3 record"):
        call_command("ingest", str(path), "--no-progress", "--workers", "0", stdout=out, stderr=io.StringIO())
    report = out.getvalue()
    assert "1 created, 0 new versions, 0 unchanged, 3 refused" in report
    assert "  line 2: (record): is not valid JSON" in report
    assert f"  line 4: kind: is not one of the {KINDS} values" in report
    assert "  line 5: (record): a record must be a JSON object" in report
    assert SourceRecord.objects.count() == 1


def test_csv_refusals_name_the_first_line_of_the_record(tmp_path, make_record):
    records = [make_record(source_record_id=f"C-{i}") for i in range(3)]
    records[2]["mentions"][1]["dob"] = "1994-14-14"
    path = tmp_path / "records.csv"
    path.write_text(write_csv(records))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("ingest", str(path), "--no-progress", "--workers", "0", stdout=out)
    assert "  line 6: mentions[1].dob: must be a real date written YYYY-MM-DD" in out.getvalue()  # header + 2 rows each


def test_limit_stops_after_that_many_records(small_authority):
    out, _ = small_authority
    report = run(str(out), "--register-agencies", "--limit", "250", "--json")
    summary = json.loads(report.strip().splitlines()[-1])
    assert summary["records"] == 250 and summary["created"] + summary["new_version"] == 250
    assert summary["records_per_second"] > 0 and summary["peak_rss_mb"] > 0
    assert SourceRecordVersion.objects.count() == 250


def test_a_file_in_an_agencys_folder_holds_that_agencys_records_only(tmp_path, make_record, make_agency, agency):
    other = make_agency()
    folder = tmp_path / "agencies" / other.code
    folder.mkdir(parents=True)
    (folder / "records.jsonl").write_text(json.dumps(make_record()) + "\n")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("ingest", str(tmp_path), "--no-progress", "--workers", "0", stdout=out)
    assert f"agency_id: must be '{other.code}'" in out.getvalue()


def test_missing_paths_and_empty_folders_are_errors(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(str(tmp_path / "nowhere"))
    with pytest.raises(CommandError, match="no record files"):
        run(str(tmp_path))


def test_json_files_hold_one_record_or_a_batch(tmp_path, make_record):
    (tmp_path / "one.json").write_text(json.dumps(make_record()))
    (tmp_path / "batch.json").write_text(json.dumps({"records": [make_record(source_record_id="J-2")]}))
    report = run(str(tmp_path))
    assert report.count("1 created") == 2
    assert Path(tmp_path / "one.json").exists() and SourceRecord.objects.count() == 2


def test_worker_processes_give_the_same_result(tmp_path, make_record):
    """With --workers the records are read and checked in other processes; the outcome is the same."""
    records = [make_record(source_record_id=f"W-{i}") for i in range(30)]
    records[7]["kind"] = "gossip"
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + "{broken\n")
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 record"):
        call_command("ingest", str(path), "--no-progress", "--workers", "1", "--batch-size", "8", stdout=out)
    report = out.getvalue()
    assert "29 created, 0 new versions, 0 unchanged, 2 refused" in report
    assert "  line 8: kind:" in report and "  line 31: (record): is not valid JSON" in report
    assert SourceRecord.objects.count() == 29


def test_a_worker_process_prepares_records_when_there_is_a_second_core(monkeypatch):
    from joinedup.ingest.management.commands import ingest as command

    monkeypatch.setattr(command.os, "cpu_count", lambda: 2)
    assert command.default_workers() == 1
    monkeypatch.setattr(command.os, "cpu_count", lambda: 1)
    assert command.default_workers() == 0
    monkeypatch.setattr(command.os, "cpu_count", lambda: None)  # unknown: as one core
    assert command.default_workers() == 0
