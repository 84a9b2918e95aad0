"""Writes the simulated authority to disk: per-agency feeds (JSON lines, CSV, FHIR) and the truth tables."""

from __future__ import annotations

import json
from pathlib import Path

from joinedup.ingest.formats import record_to_fhir_bundle, write_csv

from .agencies import AGENCIES, agencies_manifest
from .population import Household, World
from .records import Emitter, dumps
from .streams import iso

TRUTH_README = """# Ground truth for a simulated Northbrook

Never load these files into joinedup itself: they are the answers, used only to measure it.

| file | one row per | columns |
|---|---|---|
| persons.csv | true person | person_id, given_name, family_name, previous_family_name, sex, dob, nhs_number, upn, role, hidden_adult, born, household_id |
| mentions.csv | mention in any agency record (all versions share it) | agency_id, source_record_id, mention_id, person_id |
| households.csv | residence spell | household_id, person_id, address_id, from_on, to_on (exclusive; empty = still there at the end) |
| addresses.csv | dwelling | address_id, line_1, line_2, postcode, uprn, kind |
| csc_episodes.csv | child's spell of children's-social-care involvement (cin: one per case, referral to closure, unborn children included) | person_id, kind (cin, cp_plan, looked_after), start_on, end_on (empty = open at the end), detail (cin: primary need; cp_plan: initial category; looked_after: first legal status, SSDA903 code) |
| harm_episodes.csv | harm trajectory | episode_id, person_id, kind, onset_on, outcome_on, outcome, hidden_adult_person_id, household_id |
| harm_evidence.csv | record that is evidence of a harm episode | episode_id, agency_id, source_record_id |
| traps.csv | identity trap or noise that touched a person or an agency's record of one | trap, person_id, agency_id, local_person_id, detail |

`previous_family_name` in persons.csv is a mother's surname before she took her partner's, or a man's before
a deed poll. `household_id` in persons.csv is the household the person was simulated with; households.csv holds
where they actually lived and when (ex-partners and hidden adults have spells in their own households).

traps.csv labels the identity traps and noise (docs/simulator.md, "Identity traps"). Population traps name
a person, with agency_id and local_person_id empty and detail the group (the children of one birth, a
father and his son): `twin`, `multiple_birth` (three or more), `father_son_name`. Every other row names one
agency-held identity (agency_id, local_person_id): every mention written under that local person id
carries it. Record traps: `nhs_sibling` (detail: the person id of the brother or sister whose NHS number
was keyed), `dob_estimated` (detail: jan1, jul1, month1 or month15), `dob_estimated_flagged` (the estimate is
sent with dob_estimated: true; detail as dob_estimated), `age_only` (an age instead of a date of birth; detail:
its offset from the true age, +0, -1, +2…), `surname_changed` (held under the new surname with the old one in
other_names; detail: the old surname), `given_transliterated`,
`given_initial`, `surname_upper`, `surname_hyphenated` (detail: the name as written). One trap names a single
mention instead: `given_only` (a hidden adult written by his first name alone; local_person_id empty, detail
`<source_record_id>/<mention_id>`). Existing noise:
`nickname`, `spelling_variant`, `given_typo`, `previous_surname`, `family_typo`, `dob_day_month_swap`,
`dob_wrong_year`, `nhs_mistyped` (detail: the value as written), `dob_missing` (no date of birth held).
"""


def write_lines(path: Path, header: str, lines: list[str]) -> None:
    """A text file with a header row and LF line ends."""
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write(header)
        f.writelines(lines)


def write_agencies(out: Path, emit: Emitter) -> dict[str, int]:
    """Every agency's feed in its own format; returns record lines per agency."""
    (out / "agencies.json").write_text(
        json.dumps(agencies_manifest(), indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    counts: dict[str, int] = {}
    for a in AGENCIES:
        folder = out / "agencies" / a.id
        folder.mkdir(parents=True, exist_ok=True)
        items = emit.lines[a.id]
        items.sort()
        counts[a.id] = len(items)
        if a.format == "jsonl":
            with (folder / "records.jsonl").open("w", encoding="utf-8", newline="\n") as f:
                for _, line in items:
                    f.write(line)
                    f.write("\n")
        elif a.format == "csv":
            text = write_csv(json.loads(line) for _, line in items)
            (folder / "records.csv").write_text(text, encoding="utf-8", newline="\n")
        else:
            with (folder / "bundles.jsonl").open("w", encoding="utf-8", newline="\n") as f:
                for _, line in items:
                    f.write(dumps(record_to_fhir_bundle(json.loads(line))))
                    f.write("\n")
        emit.lines[a.id] = []
    return counts


def person_rows(households: list[Household]) -> tuple[list[str], list[str]]:
    """Rows for persons.csv and households.csv."""
    persons, spells = [], []
    for hh in households:
        for p in hh.members:
            persons.append(
                ",".join(
                    (
                        p.pid,
                        p.given,
                        p.family,
                        p.prev_family or p.deed_poll_from or "",
                        p.sex,
                        iso(p.dob),
                        p.nhs,
                        p.upn or "",
                        p.role,
                        "true" if p.hidden else "false",
                        "true" if p.born else "false",
                        hh.hid,
                    )
                )
                + "\n"
            )
            for hid, addr, start, end in p.spells:
                spells.append(f"{hid},{p.pid},{addr.address_id},{iso(start)},{iso(end) if end else ''}\n")
    return persons, spells


def trap_rows(households: list[Household]) -> list[str]:
    """Rows for traps.csv of the population traps (twins, multiple births, father and son of one name)."""
    return [f"{trap},{pid},,,{group}\n" for hh in households for trap, pid, group in hh.traps]


def address_rows(world: World) -> list[str]:
    """Rows for addresses.csv."""
    rows = []
    for a in world.addresses.all:
        lines = a.lines()
        line2 = lines[1] if len(lines) > 2 else ""
        rows.append(f'{a.address_id},"{lines[0]}","{line2}",{a.postcode},{a.uprn},{a.kind}\n')
    return rows
