"""Ofsted's ILACS Annex A from the hand-made authority (tests/returns/authority.py) at an inspection date of
27 March 2026: the workbook the command writes is opened with openpyxl, and each list's headings and a few rows
are checked against what the records say (the six months from 27 September 2025)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from joinedup.audit.models import AuditEvent, AuditEventPerson
from joinedup.returns.annex_a import LISTS

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]
ON = "2026-03-27"


def _sheet(wb, name) -> list[dict]:
    rows = list(wb[name].iter_rows(values_only=True))
    assert list(rows[0]) == LISTS[name], name  # Ofsted's headings, in order
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _day(value) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


def test_annex_a_workbook_lists_what_the_records_say(richmond, tmp_path):
    out = tmp_path / "annex-a.xlsx"
    stdout = io.StringIO()
    call_command("returns", "annex-a", "--on", ON, "--out", str(out), "--no-progress", stdout=stdout)
    assert "5 children" in stdout.getvalue(), stdout.getvalue()
    wb = load_workbook(out)
    assert wb.sheetnames == [f"List {n}" for n in range(1, 12)]
    lists = {name: _sheet(wb, name) for name in LISTS}

    # nothing recorded: no contacts, early help or adopters in the records; no referral in the six months
    assert lists["List 1"] == [] and lists["List 2"] == [] and lists["List 11"] == [] and lists["List 3"] == []

    # List 4: E's assessment started 1 September, authorised 1 October (inside the six months): no support needed
    (nf1,) = lists["List 4"]
    assert nf1["Child Unique ID"] == "NF1" and nf1["Gender"] == "b) Female" and nf1["Ethnicity"] == "b) WIRI"
    assert _day(nf1["Continuous Assessment Start Date"]) == dt.date(2025, 9, 1)
    assert _day(nf1["Continuous Assessment Date of Authorisation"]) == dt.date(2025, 10, 1)
    assert nf1["Was the child assessed as requiring LA children's social care support?"] == "b) No"
    assert nf1["Does the Child have a Disability"] == "a) Yes"  # HEAR
    assert wb["List 4"]["D2"].number_format == "DD/MM/YYYY"  # an Excel date

    # List 5: no section 47 enquiry began in the six months (A's and B's were in April and May 2025)
    assert lists["List 5"] == []

    # List 6: every episode of need open in the six months: A on a plan, B closed RC7 in February, E closed in
    # October, C and D looked after (Ofsted's case statuses and words)
    six = {r["Child Unique ID"]: r for r in lists["List 6"]}
    assert set(six) == {"CP1", "CP2", "LA1", "LA2", "NF1"}, set(six)
    assert _day(six["NF1"]["CIN Closure Date"]) == dt.date(2025, 10, 2)
    assert six["LA2"]["Case Status"] == six["LA1"]["Case Status"] == "a) Looked after child"
    assert six["CP1"]["Case Status"] == "b) Child Protection plan"
    assert six["CP1"]["Primary Need Code"] == "N1 - Abuse or neglect"
    assert six["CP2"]["Case Status"] == six["NF1"]["Case Status"] == "e) Closed episode"
    assert six["CP2"]["Reason for Closure"] == "RC7 - Services ceased for any other reason, including child no longer in need"
    assert _day(six["CP2"]["CIN Closure Date"]) == dt.date(2026, 2, 10)

    # List 7: A's plan (open, neglect, reviewed in August) and B's (ended 28 October, physical → emotional)
    seven = {r["Child Unique ID"]: r for r in lists["List 7"]}
    assert set(seven) == {"CP1", "CP2"}
    a = seven["CP1"]
    assert _day(a["Child Protection Plan Start Date"]) == dt.date(2025, 5, 22)
    assert a["Initial Category of Abuse"] == "a) Neglect" and a["Latest Category of Abuse"] == "a) Neglect"
    assert _day(a["Date of latest review conference"]) == dt.date(2025, 8, 21)
    assert a["Child Protection Plan End Date"] is None and a["Number of Previous Child Protection Plans"] == 0
    assert a["Age of Child (Years)"] == 7  # born 1 June 2018
    b = seven["CP2"]
    assert _day(b["Child Protection Plan End Date"]) == dt.date(2025, 10, 28)
    assert b["Initial Category of Abuse"] == "b) Physical abuse" and b["Latest Category of Abuse"] == "d) Emotional abuse"

    # List 8: C moved placement in September (two placements in twelve months, one missing episode); D since 2023
    eight = {r["Child Unique ID"]: r for r in lists["List 8"]}
    assert set(eight) == {"LA1", "LA2"}
    c = eight["LA1"]
    assert _day(c["Date Started to be Looked After"]) == dt.date(2025, 6, 20)
    assert _day(c["Start Date of Most Recent Placement"]) == dt.date(2025, 9, 15)
    assert c["Number of Placements in the Last 12 months"] == 2
    assert c["Placement Provider"] == "e) PR4: Private provision"
    assert c["Placement Type"] == "f) U6: Foster placement - not FFA"
    assert c["Child's Legal Status"] == "V2: Single period under S20"
    assert c["Child's Category of Need"] == "N4 - Family in acute stress"
    assert c["Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)"] == "b) No"
    assert _day(c["Date of Latest Statutory Review"]) == dt.date(2025, 12, 10)
    assert c["Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months"] == 1
    assert c["Was the child offered a Return Interview after their last missing episode (Y/N)?"] == "a) Yes"
    d = eight["LA2"]
    assert _day(d["Date Started to be Looked After"]) == dt.date(2023, 1, 10) and d["Child's Legal Status"] == "C2: FCO"
    assert d["Number of Placements in the Last 12 months"] == 0 and d["Date Ceased to be Looked After"] is None

    # audited, naming every child in the workbook
    event = AuditEvent.objects.get(action="returns.produce", object_id=f"annex-a:{ON}")
    assert event.detail["rows"]["List 7"] == 2
    named = set(AuditEventPerson.objects.filter(event=event).values_list("person_id", flat=True))
    assert named == {p.pk for p in richmond["people"].values()}


def test_annex_a_command_names_the_bad_field(richmond, tmp_path):
    with pytest.raises(CommandError, match="--on"):
        call_command("returns", "annex-a", "--on", "27/03/2026", "--out", str(tmp_path / "a.xlsx"), "--no-progress")
    with pytest.raises(CommandError, match="--out"):
        call_command("returns", "annex-a", "--on", ON, "--out", str(tmp_path / "a.csv"), "--no-progress")
    with pytest.raises(CommandError, match="--year"):
        call_command("returns", "cin", "--out", str(tmp_path / "c.xml"), "--no-progress")
