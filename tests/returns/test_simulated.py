"""The statutory returns of a simulated authority pass the validators local authorities use: a small authority
(with the care rates raised so that it has looked-after children, plans, care leavers and an adoption) is
generated, its children's social care records ingested and linked as the demo does, all three returns produced,
and both validators run once: 0 errors on the CIN census and the SSDA903 (their queries are listed in
docs/returns.md with the reason each remains); Annex A passes joinedup's structural check with 0 problems, list 8
with the simulator's permanence plans, placements' authority and IRO contacts. PostgreSQL pass only (it takes about
half a minute)."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from joinedup.returns.annex_a_check import check
from joinedup.returns.runs import annex_a_make
from joinedup.returns.services import produce
from joinedup.returns.source import Year
from joinedup.returns.validators import failures, validate
from joinedup_lab.demo.load import register_simulated_agencies
from joinedup_lab.simulate.agencies import CSC
from joinedup_lab.simulate.csc_annex_a import FOLDER
from joinedup_lab.simulate.generate import SimulationConfig, generate

pytestmark = [pytest.mark.django_db]
YEAR = Year(2026)
# The simulator's defaults with more children in care, so that a few hundred children have every table.
# Twins off: two babies the linkage merges would make an overlapping episode the returns rightly report.
CONFIG = SimulationConfig(children=700, years=2, seed=14, start=dt.date(2024, 4, 1)).with_rates(
    referral_per_child_year=0.12, plan_to_looked_after=0.6, s47_to_looked_after=0.4, cin_to_looked_after=0.1,
    looked_after_mean_days=3000, twin_births=0, triplet_births=0,
)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    generate(CONFIG, out, progress=False)
    return out


def test_the_returns_of_a_simulated_authority_pass_both_validators(simulated, settings, tmp_path):
    settings.JOINEDUP_RETURNS = {**settings.JOINEDUP_RETURNS, "la_number": "318", "la_gss": "E09000027"}
    register_simulated_agencies(json.loads((simulated / "agencies.json").read_text()))
    for records in (simulated / "agencies" / CSC / "records.jsonl", simulated / FOLDER / "records.jsonl"):
        call_command("ingest", str(records), "--no-progress", "--workers", "0",  # the feed, then early help and adopters
                     stdout=io.StringIO(), stderr=io.StringIO())
    call_command("link", charts=str(tmp_path / "charts"), stdout=io.StringIO(), stderr=io.StringIO())  # not var/

    cin, lac = produce("cin", YEAR), produce("903", YEAR)
    tables = {name: len(rows) for name, rows in lac.tables.items()}
    # the authority has what each table is for
    assert len(cin.children) > 50 and tables["Episodes"] > 10, tables
    for table in ("Reviews", "OC2", "OC3", "AD1", "PlacedAdoption", "PrevPerm", "Missing", "SWEpisodes"):
        assert tables[table] > 0, (table, tables)
    assert b"<ChildProtectionPlans>" in cin.content and b"<UPNunknown>" in cin.content

    results = validate([cin, lac])
    for produced, result in zip((cin, lac), results, strict=True):
        assert result.unexpected_crashes == []
        assert result.errors == [], [(f.rule, f.child, f.columns, f.value, f.message[:80]) for f in result.errors]
        # every query is one docs/returns.md explains
        documented = {"2886Q", "2887Q", "2888Q", "2991Q", "8530Q", "8670Q", "8675Q", "8770Q", "8825Q", "8873Q",
                      "SW17STG2"}
        assert {f.rule for f in result.queries} <= documented, {f.rule for f in result.queries} - documented
        assert all(f.person_id for f in failures(produced, result))  # each child query names joinedup's child

    out = tmp_path / "annex-a.xlsx"
    call_command("returns", "annex-a", "--on", "2026-03-27", "--out", str(out), "--no-progress")
    book = load_workbook(out, read_only=True)
    assert [s.title for s in book.worksheets] == [f"List {n}" for n in range(1, 12)]
    rows = {s.title: s.max_row - 1 for s in book.worksheets}
    assert rows["List 8"] > 0 and rows["List 7"] > 0 and rows["List 6"] > 0, rows
    assert rows["List 2"] > 0 and rows["List 11"] > 0, rows  # early help assessments and adopters
    assert rows["List 10"] > 0, rows  # adoption decisions, with their adoptive families
    # joinedup's structural check (Ofsted publishes no validator): 0 problems; and at an inspection date whose six
    # months hold a care leaver's contact (list 9)
    problems = check(out, on=dt.date(2026, 3, 27))
    assert problems == [], [str(p) for p in problems[:20]]
    # list 8's permanence plan, placement location and LA (every simulated placement is inside the authority) and
    # the IRO's latest visit or contact come from the simulator's records
    eight = list(book["List 8"].iter_rows(values_only=True))
    cells = [dict(zip(eight[0], row, strict=True)) for row in eight[1:]]
    assert all((c["Placement Location"], c["LA of Placement"]) == ("a) In", "E09000027") for c in cells), cells[:3]
    assert len({c["What is the permanence plan for this child?"] for c in cells} - {None}) >= 3
    assert sum(1 for c in cells if c["Date of Last IRO Visit / Contact to the Child"]) > len(cells) // 2
    earlier = annex_a_make(dt.date(2025, 12, 31))
    assert len(earlier.annex.sheets["List 9"]) > 0 and len(earlier.annex.sheets["List 10"]) > 0
    problems = check(earlier.content, on=dt.date(2025, 12, 31))
    assert problems == [], [str(p) for p in problems[:20]]
