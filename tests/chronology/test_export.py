"""Export for reviews: a pseudonymised export has no name, identifier or address of the original; pseudonyms are
stable and per person; shifted dates keep their intervals; only those with a relationship may export; audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from joinedup.access.claims import commission_create
from joinedup.accounts.models import Agency, Role
from joinedup.audit.models import AuditEvent
from joinedup.chronology.export import (
    COLUMNS,
    ExportRow,
    Scrubber,
    date_offset,
    export_csv,
    export_pdf,
    person_pseudonym,
    pseudonym_key,
    pseudonymise,
    shift_dates_in_text,
)
from joinedup.chronology.selectors import chronology_for
from joinedup.ingest.services import records_ingest
from joinedup.people.models import MentionLink, Person
from joinedup.people.services import linkage_run
from joinedup_lab.simulate.identifiers import nhs_check_digit
from tests.conftest import on_duty

from .conftest import SYSTEM

pytestmark = pytest.mark.both_databases

CSC, POLICE, GP, HOSPITAL, SCHOOL, HEALTH = (
    "northbrook-childrens-services", "northbrook-police", "elm-tree-surgery", "st-aldrics-hospital",
    "millfield-primary-school", "northbrook-community-health",
)
HOME = {"lines": ["14 Kestrel Close", "Ashworth Vale"], "postcode": "NB7 3QT", "uprn": "100023456789"}
DARRENS = {"lines": ["Flat 2, 9 Tannery Yard", "Ashworth Vale"], "postcode": "NB9 1ZW"}


def _nhs(first9: str) -> str:
    return first9 + str(nhs_check_digit(first9))


KAYDEN_NHS, LEANNE_NHS, DARREN_NHS = _nhs("999512345"), _nhs("999634561"), _nhs("999812345")
KAYDEN = {"given_name": "Kayden", "family_name": "Stonebridge", "dob": "2021-05-04", "nhs_number": KAYDEN_NHS}
LEANNE = {"given_name": "Leanne", "family_name": "Stonebridge", "dob": "1995-02-11", "nhs_number": LEANNE_NHS}
DARREN = {"given_name": "Darren", "family_name": "Pikesley", "dob": "1990-08-19"}
KAYDEN_NHS_SPACED = f"{KAYDEN_NHS[:3]} {KAYDEN_NHS[3:6]} {KAYDEN_NHS[6:]}"
UPN = "K801200001234"


def rec(agency, source_id, kind, mentions, *, on=None, at=None, detail=None):
    out = {"schema": "joinedup.agency-record/1", "agency_id": agency, "source_system": "test-system",
           "source_record_id": source_id, "version": 1, "kind": kind,
           "recorded_at": f"{on or at[:10]}T18:00:00Z", "mentions": mentions, "detail": detail or {"code": kind}}
    out["occurred_at" if at else "occurred_on"] = at or on
    return out


def m(mid, role, who, local, address=HOME, **extra):
    return {"mention_id": mid, "role": role, **who, "local_person_id": local, "address": address, **extra}


def family_records():
    return [
        rec(CSC, "EXP-CSC-4471", "assessment", [
            m("m1", "subject", KAYDEN, "CSC-KS-881"),
            m("m2", "parent", LEANNE, "CSC-LS-882", relationship_to_subject="mother"),
        ], on="2024-02-01", detail={
            "code": "assessment", "author_role": "Social worker",
            "text": "Home visit to 14 Kestrel Close, Ashworth Vale NB7 3QT. Leanne Stonebridge says Kayden "
                    f"(DOB 04/05/2021, NHS {KAYDEN_NHS_SPACED}) is settled. Her boyfriend Darren Pikesley stays "
                    "most nights.",
        }),
        rec(POLICE, "EXP-POL-5520", "police_incident", [
            m("m1", "victim", LEANNE, "POL-LS-17"),
            m("m2", "suspect", DARREN, "POL-DP-18", address=HOME),
            m("m3", "present", KAYDEN, "POL-KS-19"),
        ], at="2024-03-10T22:15:00Z", detail={
            "code": "domestic_abuse", "children_present": True, "author_role": "Police constable",
            "location": "14 Kestrel Close NB73QT",
            "text": "Officers attended. PIKESLEY arrested at the address; Darren's partner Leanne had a cut lip. "
                    "Shared with children's services (their ref EXP-CSC-4471, case CSC-KS-881).",
        }),
        rec(GP, "EXP-GP-6613", "person_registration", [
            m("m1", "patient", {**DARREN, "nhs_number": DARREN_NHS}, "GP-DP-31", address=DARRENS, sex="male"),
        ], on="2024-01-05"),
        rec(HOSPITAL, "EXP-ED-7731", "ed_attendance", [
            m("m1", "patient", KAYDEN, "SAH-KS-41"),
            m("m2", "accompanying_adult", LEANNE, "SAH-LS-42", relationship_to_subject="mother"),
        ], at="2024-07-02T09:40:00Z", detail={
            "code": "injury", "author_role": "Emergency department nurse",
            "injury": {"site": "forearm", "description": "bruising", "explained_by": "m2",
                       "explanation_given": "Mum said her boyfriend Darren did it; Kayden said it was Darren too"},
            "text": "Brought in by mother Leanne (born 11/02/1995, NHS " + LEANNE_NHS + ").",
        }),
        rec(SCHOOL, "EXP-SCH-8802", "school_concern", [
            m("m1", "pupil", {**KAYDEN, "nhs_number": None}, "MPS-KS-51", upn=UPN),
        ], on="2024-06-12", detail={
            "code": "disclosure", "author_role": "Designated safeguarding lead",
            "text": f"Kayden (UPN {UPN}) told staff that Darren shouts at Mummy. Seen again on 2024-06-19.",
        }),
        # Leanne's and Darren's own records while living with Kayden (the household export shows them).
        rec(GP, "EXP-GP-6620", "consultation", [
            m("m1", "patient", LEANNE, "GP-LS-32", nhs_number=LEANNE_NHS),
        ], on="2024-04-15", detail={
            "code": "injury_disclosure", "author_role": "GP",
            "text": f"Leanne Stonebridge (NHS {LEANNE_NHS}) said Darren Pikesley pushed her. Lives at 14 Kestrel "
                    "Close with Kayden.",
        }),
        rec(POLICE, "EXP-POL-5531", "arrest", [m("m1", "suspect", DARREN, "POL-DP-18")], at="2024-05-01T02:30:00Z",
            detail={"code": "assault", "text": "Pikesley, Darren (POL-DP-18) arrested at 14 Kestrel Close."}),
        rec(HEALTH, "EXP-HV-9914", "health_visitor_contact", [
            m("m1", "subject", KAYDEN, "NCH-KS-61"),
            m("m2", "parent", LEANNE, "NCH-LS-62", relationship_to_subject="mother"),
        ], on="2024-08-02", detail={
            "code": "home_visit", "author_role": "Health visitor",
            "text": "Seen at home (UPRN 100023456789) with Leanne on 02/08/2024; next visit 30 August 2024.",
        }),
    ]


FORBIDDEN = [
    "Kayden", "Leanne", "Darren", "Stonebridge", "Pikesley",
    KAYDEN_NHS, LEANNE_NHS, DARREN_NHS, KAYDEN_NHS_SPACED, UPN, "100023456789",
    "CSC-KS-881", "CSC-LS-882", "GP-LS-32", "POL-LS-17", "POL-DP-18", "POL-KS-19", "GP-DP-31", "SAH-KS-41",
    "SAH-LS-42", "MPS-KS-51", "NCH-KS-61", "NCH-LS-62",
    "EXP-CSC-4471", "EXP-POL-5520", "EXP-POL-5531", "EXP-GP-6613", "EXP-GP-6620", "EXP-ED-7731", "EXP-SCH-8802",
    "EXP-HV-9914",
    "14 Kestrel Close", "Kestrel", "Ashworth Vale", "Ashworth", "Tannery Yard", "NB7 3QT", "NB73QT", "NB9 1ZW",
    "2021-05-04", "04/05/2021", "1995-02-11", "11/02/1995",
]


def _compact(text: str) -> str:
    return re.sub(r"\W", "", text).lower()


def assert_nothing_original(text: str, where: str) -> None:
    spaced, compact = " ".join(text.split()).lower(), _compact(text)
    for term in FORBIDDEN:
        assert term.lower() not in spaced, (where, term)
        assert _compact(term) not in compact, (where, term)


def _person_of(agency, local):
    (person,) = set(MentionLink.objects.filter(mention__agency__code=agency, mention__local_person_id=local)
                    .values_list("person_id", flat=True))
    return person


@pytest.fixture
def family(model_only):
    result = records_ingest(actor=SYSTEM, records=family_records(), via="file")
    assert {o.status for o in result.outcomes} == {"created"}, result.outcomes
    linkage_run(actor=SYSTEM, progress=lambda _line: None)
    kayden = Person.objects.get(pk=_person_of(CSC, "CSC-KS-881"))
    leanne, darren = _person_of(CSC, "CSC-LS-882"), _person_of(GP, "GP-DP-31")
    # The fixture itself: linkage joined each person's records across agencies.
    assert {_person_of(a, lid) for a, lid in [(POLICE, "POL-KS-19"), (HOSPITAL, "SAH-KS-41"), (SCHOOL, "MPS-KS-51"),
                                              (HEALTH, "NCH-KS-61")]} == {kayden.pk}
    assert _person_of(POLICE, "POL-LS-17") == leanne and _person_of(POLICE, "POL-DP-18") == darren
    return kayden, str(leanne), str(darren)


def _csv_rows(content: bytes) -> list[dict]:
    text = content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    meta = " ".join(str(v) for v in (reader.metadata or {}).values())
    return meta + "\n" + "\n".join(page.extract_text() for page in reader.pages)


KEY = b"test-export-key"


def test_a_pseudonymised_export_has_no_name_identifier_or_address_of_the_original(family):
    kayden, leanne, darren = family
    chronology = chronology_for(viewer=None, person=kayden, household=True)
    assert len(chronology.events) == 7  # the child's five records, and Leanne's and Darren's while living there
    for shift in (False, True):
        for replace in (False, True):
            rows = pseudonymise(chronology, key=KEY, shift_dates=shift, replace_agencies=replace)
            content = export_csv(rows)
            assert_nothing_original(content.decode("utf-8-sig"), f"csv shift={shift} replace={replace}")
            pdf = export_pdf(rows, f"Chronology of {person_pseudonym(KEY, kayden.pk)}", note="test")
            assert pdf.startswith(b"%PDF")
            assert_nothing_original(_pdf_text(pdf), f"pdf shift={shift} replace={replace}")

    rows = _csv_rows(export_csv(pseudonymise(chronology, key=KEY, shift_dates=False)))
    assert list(rows[0]) == list(COLUMNS.values())
    by_ref = {r["Reference"]: r for r in rows}
    assert len(by_ref) == len(rows)  # one reference per record
    child, mum, boyfriend = (person_pseudonym(KEY, p) for p in (kayden.pk, leanne, darren))
    assert len({child, mum, boyfriend}) == 3
    ed = next(r for r in rows if r["Kind"] == "A&E attendance")
    assert ed["Injury site"] == "forearm" and ed["Injury"] == "bruising"
    # Names inside free text become the pseudonym of the person they name, the same one as in the person column.
    assert f"her boyfriend {boyfriend} did it" in ed["Explanation given"]
    assert f"{child} said it was {boyfriend} too" in ed["Explanation given"]
    assert "(explained by mother)" in ed["Explanation given"]
    assert f"mother {mum} (born [date of birth], NHS [NHS number])" in ed["Summary"]
    assessment = next(r for r in rows if r["Date"] == "2024-02-01")
    assert "Home visit to [address], [address] [postcode]" in assessment["Summary"]
    assert f"{boyfriend} stays most nights" in assessment["Summary"]
    assert "DOB [date of birth], NHS [NHS number]" in assessment["Summary"]
    police = next(r for r in rows if r["Date"] == "2024-03-10")
    assert police["Time"] == "22:15" and police["Agency"] == "Northbrook Police"
    csc_ref = next(r["Reference"] for r in rows if r["Date"] == "2024-02-01")
    assert f"their ref {csc_ref}" in police["Summary"]  # a record id in text becomes that record's reference
    assert "case [local id]" in police["Summary"] and "location: [address] [postcode]" in police["Summary"]
    assert f"{boyfriend} arrested" in police["Summary"] and f"{boyfriend}'s partner {mum}" in police["Summary"]
    school = next(r for r in rows if r["Date"] == "2024-06-12")
    assert f"{child} (UPN [UPN]) told staff that {boyfriend} shouts" in school["Summary"]
    assert {r["Person"] for r in rows} == {child, mum, boyfriend}
    gp = next(r for r in rows if r["Date"] == "2024-04-15")
    assert gp["Person"] == mum and f"{mum} (NHS [NHS number]) said {boyfriend} pushed her" in gp["Summary"]
    assert f"Lives at [address] with {child}" in gp["Summary"]
    arrest = next(r for r in rows if r["Date"] == "2024-05-01")
    assert arrest["Person"] == boyfriend and arrest["Time"] == "03:30"  # London summer time
    assert f"Assault; {boyfriend} ([local id]) arrested at [address]." in arrest["Summary"]

    public = _csv_rows(export_csv(pseudonymise(chronology, key=KEY, shift_dates=False, replace_agencies=True)))
    agencies = {r["Agency"] for r in public}
    assert "Police force 1" in agencies and any(a.startswith("Acute hospital ") for a in agencies)
    assert not any("Northbrook" in a or "Aldric" in a for a in agencies)


def test_pseudonyms_are_stable_across_exports_and_differ_per_person(family):
    kayden, leanne, darren = family
    first = _csv_rows(export_csv(pseudonymise(chronology_for(viewer=None, person=kayden), key=KEY, shift_dates=True)))
    again = _csv_rows(export_csv(pseudonymise(chronology_for(viewer=None, person=kayden, household=True), key=KEY,
                                              shift_dates=True)))
    assert {r["Person"] for r in first} == {person_pseudonym(KEY, kayden.pk)}
    by_ref = {r["Reference"]: r for r in again}
    for row in first:  # the same record: the same reference, date, person and text in the household export
        assert by_ref[row["Reference"]] == row
    # Another key, other pseudonyms; the default key (from settings) is stable too.
    other = _csv_rows(export_csv(pseudonymise(chronology_for(viewer=None, person=kayden), key=b"another", shift_dates=False)))
    assert {r["Person"] for r in other}.isdisjoint({r["Person"] for r in first})
    assert {r["Reference"] for r in other}.isdisjoint(by_ref)
    assert person_pseudonym(pseudonym_key(), kayden.pk) == person_pseudonym(pseudonym_key(), kayden.pk)
    assert len({person_pseudonym(KEY, p) for p in (kayden.pk, leanne, darren)}) == 3
    # Leanne's own export gives her the pseudonym Kayden's export gave her in its free text.
    mum = person_pseudonym(KEY, leanne)
    hers = _csv_rows(export_csv(pseudonymise(chronology_for(viewer=None, person=Person.objects.get(pk=leanne)), key=KEY,
                                             shift_dates=False)))
    assert {r["Person"] for r in hers} == {mum}
    assert any(mum in r["Summary"] for r in again)


def test_shifted_dates_keep_intervals_weekdays_and_times(family):
    kayden, _leanne, _darren = family
    chronology = chronology_for(viewer=None, person=kayden, household=True)
    plain = {r.reference: r for r in pseudonymise(chronology, key=KEY, shift_dates=False)}
    shifted = {r.reference: r for r in pseudonymise(chronology, key=KEY, shift_dates=True)}
    offset = date_offset(KEY, kayden.pk)
    assert offset.days % 7 == 0 and 35 <= abs(offset.days) <= 364
    assert plain.keys() == shifted.keys()
    for ref, row in plain.items():
        real, moved = dt.date.fromisoformat(row.date), dt.date.fromisoformat(shifted[ref].date)
        assert moved - real == offset and moved.weekday() == real.weekday()
        assert shifted[ref].time == row.time
    order = [r.reference for r in pseudonymise(chronology, key=KEY, shift_dates=True)]
    assert order == [r.reference for r in pseudonymise(chronology, key=KEY, shift_dates=False)]
    hv = next(r for r in plain.values() if r.date == "2024-08-02")
    hv_shifted = shifted[hv.reference]
    moved = dt.date(2024, 8, 2) + offset
    assert "02/08/2024" in hv.summary and "30 August 2024" in hv.summary
    assert f"{moved:%d/%m/%Y}" in hv_shifted.summary and "2024-08-02" not in hv_shifted.summary
    assert f"{(dt.date(2024, 8, 30) + offset).day} {(dt.date(2024, 8, 30) + offset):%B %Y}" in hv_shifted.summary
    school = next(r for r in shifted.values() if "shouts" in r.summary)
    assert (dt.date(2024, 6, 19) + offset).isoformat() in school.summary


def test_the_export_screen_gives_a_front_door_worker_a_file_and_a_partner_nothing(family, make_user, signed_in,
                                                                                client):
    kayden, _leanne, _darren = family
    url = f"/people/{kayden.pk}/chronology/export/"
    partner = make_user(role=Role.PARTNER_PRACTITIONER, agency=Agency.objects.get(code=HOSPITAL))
    signed_in(partner)
    assert client.get(url).status_code == 404
    assert client.post(url, {"format": "csv", "shift_dates": "no", "replace_agencies": "no",
                             "household": "no"}).status_code == 404
    assert not AuditEvent.objects.filter(action="chronology.export").exists()
    client.post("/sign-out/")

    worker = on_duty(make_user(role=Role.FRONT_DOOR, agency=Agency.objects.get(code=CSC)), kayden)
    signed_in(worker)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert person_pseudonym(pseudonym_key(), kayden.pk) in html
    assert 'name="format" type="radio" value="pdf" checked' in html  # the defaults: PDF, dates shifted
    assert 'name="shift_dates" type="radio" value="yes" checked' in html
    assert AuditEvent.objects.filter(action="person.view", subject_person_id=kayden.pk).exists()
    missing = client.post(url, {"format": "csv"})
    assert missing.status_code == 200 and "Select whether to shift dates" in missing.content.decode()
    response = client.post(url, {"format": "csv", "shift_dates": "yes", "replace_agencies": "no",
                                 "household": "yes"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="chronology-')
    assert response["Cache-Control"] == "no-store"
    assert_nothing_original(response.content.decode("utf-8-sig"), "csv from the screen")
    assert "kayden" not in response["Content-Disposition"].lower()
    rows = _csv_rows(response.content)
    assert len(rows) >= 5
    audit = AuditEvent.objects.get(action="chronology.export")
    assert audit.subject_person_id == kayden.pk and audit.actor_username == worker.username
    assert audit.detail == {"format": "csv", "shift_dates": True, "replace_agencies": False, "household": True,
                            "rows": len(rows), "pseudonym": person_pseudonym(pseudonym_key(), kayden.pk)}

    pdf = client.post(url, {"format": "pdf", "shift_dates": "yes", "replace_agencies": "yes", "household": "no"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = _pdf_text(pdf.content)
    assert_nothing_original(text, "pdf from the screen")
    assert "dates are shifted by a fixed offset" in " ".join(text.split())
    assert AuditEvent.objects.filter(action="chronology.export", subject_person_id=kayden.pk).count() == 2


def test_a_case_reviewer_exports_only_a_child_she_is_commissioned_to_review(family, make_user, signed_in, client):
    kayden, _leanne, _darren = family
    reviewer = make_user(role=Role.CASE_REVIEWER)
    signed_in(reviewer)
    choices = {"format": "pdf", "shift_dates": "yes", "replace_agencies": "yes", "household": "yes"}
    assert client.post(f"/people/{kayden.pk}/chronology/export/", choices).status_code == 404  # not commissioned
    head = make_user(role=Role.HEAD_OF_SERVICE)
    today = dt.date.today()
    commission_create(user=head, reviewer=reviewer, person_id=kayden.pk, reference="Review 2026/2",
                      starts_on=today, ends_on=today + dt.timedelta(days=10))
    page = client.get(f"/people/{kayden.pk}/chronology/export/")
    assert page.status_code == 200 and "Kayden" not in page.content.decode()  # pseudonyms only, even the title
    response = client.post(f"/people/{kayden.pk}/chronology/export/", choices)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert client.get("/people/00000000-0000-0000-0000-000000000000/chronology/export/").status_code == 404


# --- pure parts ------------------------------------------------------------------------------

def _row(**values) -> ExportRow:
    blank = dict.fromkeys(COLUMNS, "")
    return ExportRow(**{**blank, **values})


def test_the_pdf_repeats_its_header_on_every_page():
    rows = [_row(date=f"2024-01-{1 + i % 28:02d}", summary="An entry that takes some room. " * 6,
                 reference=f"REF-{i:08d}") for i in range(150)]
    reader = PdfReader(io.BytesIO(export_pdf(rows, "Chronology of Person BCDFGH", note="Pseudonymised.")))
    assert len(reader.pages) > 2
    for page in reader.pages:
        text = " ".join(page.extract_text().split())
        assert "Date Time Ended Agency" in text and "Explanation given" in text
        assert re.search(r"REF-\d{8}", text)  # a reference is not broken across lines
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    assert "Chronology of Person BCDFGH" in reader.pages[0].extract_text()


def test_csv_cells_cannot_run_as_formulas():
    rows = _csv_rows(export_csv([_row(summary="=HYPERLINK(\"http://x\")", author_role="@role", date="2024-01-01")]))
    assert rows[0]["Summary"].startswith("'=") and rows[0]["Recorded by"] == "'@role"
    assert rows[0]["Date"] == "2024-01-01"


def test_the_scrubber_takes_longest_first_and_keeps_words_around_names():
    scrub = Scrubber([("Darren Pikesley", "Person B"), ("Darren", "Person B"), ("Pikesley", "Person B"),
                      ("12 Quarry Lane", "[address]"), ("Al", "Person C")])
    assert scrub("DARREN PIKESLEY and darren's mate; pikesley at 12, Quarry Lane") == \
        "Person B and Person B's mate; Person B at [address]"
    assert scrub("Alan and Al and total") == "Alan and Person C and total"
    assert shift_dates_in_text("on 29/02/2024, 2024-02-29 and 1st March 2024", dt.timedelta(days=7)) == \
        "on 07/03/2024, 2024-03-07 and 8 March 2024"
    assert shift_dates_in_text("31/02/2024 is no date", dt.timedelta(days=7)) == "31/02/2024 is no date"

