"""The SSDA903 (children looked after) return: eleven CSV tables from the returns' query source.

Tables and columns exactly as the DfE's guide and the 903 validator name them (../shared/docs/returns.md §2):
dates dd/mm/yyyy, blanks as empty cells, every table written even when empty. A looked-after child is one with
an episode open at some time in the year; care leavers (OC3) are those with a care-leaver contact in the year
around their 17th to 21st birthday who are not looked after on it. Each row's provenance names the record it
came from.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from joinedup.casework.state import CareEpisode, CaseworkRecord
from joinedup.returns.cin import Produced
from joinedup.returns.source import ChildFacts, Year
from joinedup.returns.upn import upn_valid

COLUMNS: dict[str, list[str]] = {
    "Header": ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
    "Episodes": ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                 "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"],
    "Reviews": ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"],
    "UASC": ["CHILD", "SEX", "DOB", "DUC"],
    "OC2": ["CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS", "TEETH_CHECK",
            "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED"],
    "OC3": ["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
    "AD1": ["CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"],
    "PlacedAdoption": ["CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"],
    "PrevPerm": ["CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"],
    "Missing": ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
    "SWEpisodes": ["CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"],
}
FILES = {"Header": "header", "Episodes": "episodes", "Reviews": "reviews", "UASC": "uasc", "OC2": "oc2",
         "OC3": "oc3", "AD1": "ad1", "PlacedAdoption": "placed_for_adoption", "PrevPerm": "previous_permanence",
         "Missing": "missing", "SWEpisodes": "social_worker_episodes"}
PLACEMENT_CHANGES = frozenset({"P", "B", "T", "U"})  # a new episode that changed the placement
TEMPORARY = frozenset({"T0", "T1", "T2", "T3", "T4"})
ADOPTED = frozenset({"E11", "E12"})
OC2_FLAGS = ("convicted", "health_check", "immunisations", "teeth_check", "health_assessment", "substance_misuse",
             "intervention_received", "intervention_offered")


def ddmmyyyy(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _flag(value) -> str:
    return "1" if value is True else "0" if value is False else ""


def age_on(dob: dt.date | None, day: dt.date) -> int:
    if dob is None:
        return -1
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _birthday(dob: dt.date, age: int) -> dt.date:
    try:
        return dob.replace(year=dob.year + age)
    except ValueError:  # 29 February
        return dt.date(dob.year + age, 3, 1)


def _during(r: CaseworkRecord, e: CareEpisode) -> bool:
    """Whether a record's period and a looked-after episode share a day (a handover on the day care starts does
    not count: the worker who ends that day is not the worker of the time in care)."""
    return (r.ended_on is None or r.ended_on > e.started_on) and (e.ended_on is None or r.occurred_on <= e.ended_on)


def _overlaps(year: Year, r: CaseworkRecord) -> bool:
    return year.overlaps(r.occurred_on, r.ended_on)


class _Tables:
    def __init__(self, year: Year):
        self.out = Produced("903", year, tables={name: [] for name in COLUMNS})

    def row(self, table: str, values: dict[str, str], record_key: str, child: str) -> None:
        rows = self.out.tables[table]
        rows.append({c: values.get(c, "") for c in COLUMNS[table]})
        # the validator names a table's row by its position (from 0): the provenance keeps it
        self.out.note(child, table, "#row", len(rows) - 1, record_key)


def ssda903(facts: list[ChildFacts], *, year: Year) -> Produced:
    """The 903 tables for these children (those neither looked after in the year nor care leavers left out)."""
    t = _Tables(year)
    for f in sorted(facts, key=lambda f: f.la_child_id):
        episodes = [e for e in f.episodes() if year.overlaps(e.started_on, e.ended_on)]
        leaver = None if episodes else _care_leaver_contact(f, year)
        if not episodes and leaver is None:
            continue
        t.out.children[f.la_child_id] = f
        _header(t, f, bool(episodes), year)
        if episodes:
            _looked_after(t, f, episodes, year)
        elif leaver is not None:
            _oc3(t, f, leaver)
    return t.out


def _header(t: _Tables, f: ChildFacts, looked_after: bool, year: Year) -> None:
    cid, dob = f.la_child_id, ddmmyyyy(f.dob)
    if f.upn and upn_valid(f.upn):
        upn = f.upn
    else:
        upn = f.upn_unknown if f.upn_unknown in ("UN1", "UN2", "UN3", "UN4", "UN5") else ""
    mother = ""
    if looked_after and f.sex == "F":
        mother = _flag(f.is_mother)
    t.row("Header", {"CHILD": cid, "SEX": f.sex, "DOB": dob, "ETHNIC": f.ethnicity, "UPN": upn, "MOTHER": mother,
                     "MC_DOB": ddmmyyyy(f.first_child_born_on) if mother == "1" else ""},
          f.registration_key or f.identity_key, cid)
    if f.uasc and looked_after:
        t.row("UASC", {"CHILD": cid, "SEX": f.sex, "DOB": dob, "DUC": ddmmyyyy(f.uasc_ended_on)},
              f.registration_key, cid)


def _looked_after(t: _Tables, f: ChildFacts, episodes: list[CareEpisode], year: Year) -> None:
    cid, dob = f.la_child_id, ddmmyyyy(f.dob)
    all_episodes = f.episodes()
    for e in episodes:
        d = f.records[e.key].detail if e.key in f.records else {}
        ended = e.ended_on if e.ended_on is not None and e.ended_on <= year.end else None
        following = next((n for n in all_episodes if n.started_on == e.ended_on and n.key != e.key), None)
        change = ""
        if ended and following is not None and following.reason_new_episode in PLACEMENT_CHANGES \
                and e.placement_type not in TEMPORARY:
            change = str(d.get("reason_placement_change") or "")
        t.row("Episodes", {
            "CHILD": cid, "DECOM": ddmmyyyy(e.started_on), "RNE": e.reason_new_episode, "LS": e.legal_status,
            "CIN": e.category_of_need, "PLACE": e.placement_type, "PLACE_PROVIDER": e.placement_provider,
            "DEC": ddmmyyyy(ended), "REC": e.reason_ended if ended else "", "REASON_PLACE_CHANGE": change,
            "HOME_POST": str(d.get("home_postcode") or ""), "PL_POST": e.placement_postcode,
            "URN": str(d.get("placement_urn") or ""),
        }, e.key, cid)
        if e.reason_new_episode == "S" and year.start <= e.started_on <= year.end \
                and d.get("previous_permanence"):
            t.row("PrevPerm", {"CHILD": cid, "DOB": dob, "PREV_PERM": str(d["previous_permanence"]),
                               "LA_PERM": str(d.get("previous_permanence_la") or ""),
                               "DATE_PERM": ddmmyyyy(_date(d.get("previous_permanence_on")))}, e.key, cid)
    for r in f.reviews:
        if year.start <= r.occurred_on <= year.end:
            t.row("Reviews", {"CHILD": cid, "DOB": dob, "REVIEW": ddmmyyyy(r.occurred_on),
                              "REVIEW_CODE": str(r.detail.get("participation") or "")}, r.key, cid)
    for r in f.missing:
        if _overlaps(year, r):
            t.row("Missing", {"CHILD": cid, "DOB": dob,
                              "MISSING": {"missing": "M", "away": "A"}.get(str(r.detail.get("missing_type")), ""),
                              "MIS_START": ddmmyyyy(r.occurred_on),
                              "MIS_END": ddmmyyyy(r.ended_on if r.ended_on and r.ended_on <= year.end else None)},
                  r.key, cid)
    for r in f.workers:
        # the social workers of the child's time in care: csc-validator-be-903's SW12STG2 refuses any social
        # worker episode that began before the period of care began (docs/returns.md, "Queries and quirks")
        if _overlaps(year, r) and any(_during(r, e) for e in all_episodes):
            t.row("SWEpisodes", {"CHILD": cid, "DOB": dob, "SW_ID": str(r.detail.get("worker_id") or ""),
                                 "SW_DECOM": ddmmyyyy(r.occurred_on),
                                 "SW_DEC": ddmmyyyy(r.ended_on if r.ended_on and r.ended_on <= year.end else None),
                                 "SW_REASON": str(r.detail.get("change_reason") or "")}, r.key, cid)
    for r in f.adoption:
        if _overlaps(year, r) or (r.ended_on is None and r.occurred_on <= year.end):
            ceased = r.ended_on if r.ended_on and r.ended_on <= year.end else None
            t.row("PlacedAdoption", {"CHILD": cid, "DOB": dob, "DATE_PLACED": ddmmyyyy(r.occurred_on),
                                     "DATE_PLACED_CEASED": ddmmyyyy(ceased),
                                     "REASON_PLACED_CEASED": str(r.detail.get("reason_reversed") or "") if ceased
                                     else ""}, r.key, cid)
    adopted = next((e for e in episodes if e.reason_ended in ADOPTED and e.ended_on and e.ended_on <= year.end), None)
    if adopted is not None:
        decision = next((r for r in reversed(f.adoption) if r.ended_on is None), None)
        d = decision.detail if decision else {}
        t.row("AD1", {"CHILD": cid, "DOB": dob, "DATE_INT": ddmmyyyy(decision.occurred_on if decision else None),
                      "DATE_MATCH": ddmmyyyy(_date(d.get("matched_on"))),
                      "FOSTER_CARE": _flag(d.get("adopted_by_foster_carer")),
                      "NB_ADOPTR": str(d.get("adopters_number") or ""), "SEX_ADOPTR": str(d.get("adopters_sex") or ""),
                      "LS_ADOPTR": str(d.get("adopters_legal_status") or "")},
              decision.key if decision else adopted.key, cid)
    if _continuously_12_months(all_episodes, year):
        _oc2(t, f, year)


def _continuously_12_months(episodes: list[CareEpisode], year: Year) -> bool:
    """Looked after on 31 March and without a break for the year before it (short breaks V3/V4 do not count)."""
    care = [e for e in episodes if e.legal_status not in ("V3", "V4")]
    if not care or (care[-1].ended_on is not None and care[-1].ended_on <= year.end):
        return False
    since = care[-1].started_on
    for before, after in zip(reversed(care[:-1]), reversed(care[1:]), strict=True):
        if before.ended_on != after.started_on:
            break
        since = before.started_on
    return since <= year.end - dt.timedelta(days=364)


def _oc2(t: _Tables, f: ChildFacts, year: Year) -> None:
    cid = f.la_child_id
    record = next((r for r in reversed(f.outcomes) if year.start <= r.occurred_on <= year.end + dt.timedelta(days=92)),
                  None)
    d = record.detail if record else {}
    age_end, age_start = age_on(f.dob, year.end), age_on(f.dob, year.start)
    values = {k.upper(): _flag(d.get(k)) for k in OC2_FLAGS}
    if age_end < 10:
        values["CONVICTED"] = ""
    if age_end >= 5:
        values["HEALTH_CHECK"] = ""
    if values["SUBSTANCE_MISUSE"] != "1":
        values["INTERVENTION_RECEIVED"] = values["INTERVENTION_OFFERED"] = ""
    elif values["INTERVENTION_RECEIVED"] == "1":
        values["INTERVENTION_OFFERED"] = ""
    sdq_score, sdq_reason = "", ""
    if age_end >= 4 and age_start <= 16:  # 4 to 16 at some time in the year (rules 186, 188, 189, 197B)
        score = d.get("sdq_score")
        sdq_score = str(score) if isinstance(score, int) and not isinstance(score, bool) else ""
        sdq_reason = "" if sdq_score else str(d.get("sdq_reason") or "")
    t.row("OC2", {"CHILD": cid, "DOB": ddmmyyyy(f.dob), "SDQ_SCORE": sdq_score, "SDQ_REASON": sdq_reason, **values},
          record.key if record else (f.registration_key or f.identity_key), cid)


def _care_leaver_contact(f: ChildFacts, year: Year) -> CaseworkRecord | None:
    """The care-leaver contact about a 17th–21st birthday in the year (within three months of it)."""
    if f.dob is None:
        return None
    for age in (17, 18, 19, 20, 21):
        birthday = _birthday(f.dob, age)
        if not year.start <= birthday <= year.end:
            continue
        near = [r for r in f.care_leaver if abs((r.occurred_on - birthday).days) <= 92]
        if near:
            return min(near, key=lambda r: abs((r.occurred_on - birthday).days))
    return None


def _oc3(t: _Tables, f: ChildFacts, r: CaseworkRecord) -> None:
    d = r.detail
    t.row("OC3", {"CHILD": f.la_child_id, "DOB": ddmmyyyy(f.dob), "IN_TOUCH": str(d.get("in_touch") or ""),
                  "ACTIV": str(d.get("activity") or ""), "ACCOM": str(d.get("accommodation") or "")}, r.key,
          f.la_child_id)


def write_tables(produced: Produced, directory: Path) -> list[Path]:
    """One CSV per table (UTF-8, a header row, every table even when empty)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for table, columns in COLUMNS.items():
        path = directory / f"{FILES[table]}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows(produced.tables.get(table, []))
        written.append(path)
    return written
