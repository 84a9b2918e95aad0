"""The rule catalogue, R1–R23 (R13 and R22 retired): named, evidence-cited rules over a child's chronology and household.

Pure: no database and no clock. Every rule takes the child as joinedup knew them at `at` (only records
received by then) and returns one `Finding` — a sentence a practitioner would use and the exact records
(`Event.key`) behind it — or None. docs/alerts.md is the published catalogue (evidence, parameters, the
data each rule needs from agencies) and the replay evaluation.

Context factors never alert on their own. R6 ("toxic trio" and related factors) and R10 (repeat
unscheduled attendances) are in the catalogue as `context_only` rules whose `evaluate` always returns
None; `context_factors(ctx, at)` names the factors present and every other rule puts them into its
finding's `context_factors` and raises its severity when R6's threshold is met (or one R6 factor comes
with R10's repeat attendances).

Time-based rules (`time_based=True`: R4's 24-hour window, R8 child not seen, R15–R19 the statutory casework
clocks, R20, R21 and R23 overdue visits, revisits and concerns) are also evaluated by the schedule, because
nothing arrives when a step is missed. R15–R19 live in `casework.py`: they read the clocks of the casework fold
(`casework.lifecycle.fold`), the same clocks the case screens show; R20, R21 and R23 live in `practice.py` (R20 and
R21 read the fold's visit and revisit clocks). R13 (visits or supervision overdue) and R22 (supervision action
overdue: now on the supervision and home pages, ADR 0016) are retired (`RETIRED_RULES`): their ids are never
reused.

Rules read only what the agency record format documents (docs/formats/README.md, "What the alert rules read"),
and each declares it (`Rule.inputs`; a test checks every input is in the format's documentation): coded body sites
(`injury.site_code`, SNOMED CT, the text `injury.site` only as the fallback), `injuries` lists, the coded
`injury.explanation_status`, `cp_flag_seen` (R9: absent is unknown, and R9 does not fire), coded `decision` values
(R12 never looks for decision words in free text) and coded `neglect_signs` (R14).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from joinedup.chronology.events import Event, Injury
from joinedup.chronology.kinds import kind_info

from .base import CONSIDER, CONTEXT_ONLY, ESCALATE, PROCESS_FAILURE, SUSPECT, ChildContext, Finding, Rule
from .casework import CASEWORK_RULES
from .practice import PRACTICE_RULES
from .sites import AREA_OF_REGION, AREA_WORDS, OTHER_SITE_CODES, TEN4_SITE_CODES, TEN4_SITE_WORDS

UTC = dt.UTC
DAY = dt.timedelta(days=1)

HEALTH_AGENCY_KINDS = frozenset({"acute_hospital", "gp_practice", "community_health", "ambulance"})
CSC_AGENCY_KIND = "childrens_social_care"
POLICE_AGENCY_KIND = "police"
UNSCHEDULED_KINDS = frozenset({"ed_attendance", "admission", "ambulance_callout"})


# --- small helpers -----------------------------------------------------------------------------------


def _d(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


_NOT_WORD = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=100_000)
def _words(text: str) -> str:
    return " " + _NOT_WORD.sub(" ", text.lower()).strip() + " "


@lru_cache(maxsize=200_000)
def _has_any_cached(text: str, phrases: tuple[str, ...]) -> bool:
    t = _words(text)
    return any(_words(p) in t for p in phrases)


def _has_any(text: str, phrases: Iterable[str]) -> bool:
    """Whole-word match of any phrase ("ear" does not match "forearm")."""
    return _has_any_cached(text, tuple(phrases))


def _text_of(e: Event) -> str:
    """The record's main code and free text (`detail.code`, `detail.text`): what R6 and R11 look for words in."""
    return f"{e.detail.get('code') or ''} {e.text}"


def _code(value: object) -> str:
    """A coded value as sent (`no_further_action`; older senders' `no further action` is the same code)."""
    return "_".join(str(value or "").strip().lower().replace("-", " ").split())


def _age_text(days: int) -> str:
    if days < 61:
        return f"{max(days // 7, 0)} weeks old"
    if days < 730:
        return f"{days * 12 // 365} months old"
    return f"{days // 365} years old"


def _within(e: Event, at: dt.datetime, days: int) -> bool:
    return at.date() - dt.timedelta(days=days) <= e.occurred_on <= at.date()


def _truthy(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in {"true", "yes", "y", "1"})


def _falsy(value: object) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() in {"false", "no", "n", "0"})


def _injuries(ctx: ChildContext, at: dt.datetime, days: int) -> list[Event]:
    return [e for e in ctx.events if e.injury is not None and _within(e, at, days)]


def _who(e: Event) -> str:
    return e.agency_name or e.agency_code


def _injury_text(e: Event) -> str:
    assert e.injury is not None
    parts = [f"{i.description or 'injury'} to the {i.site or 'unrecorded site'}" for i in e.injuries or (e.injury,)]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _on_plan(ctx: ChildContext, day: dt.date, plans: Iterable[str]):
    return ctx.plan_on(day, tuple(plans))


def _under_enquiry(ctx: ChildContext, day: dt.date, days: int) -> Event | None:
    """A section 47 enquiry (or strategy discussion) open on the day: started within `days`, not ended."""
    found = None
    for e in ctx.events:
        if (e.kind in ("section47_enquiry", "strategy_discussion") and e.occurred_on <= day
                and day - e.occurred_on <= dt.timedelta(days=days) and (e.ended_on is None or e.ended_on > day)):
            found = e
    return found


def _known_to_csc(ctx: ChildContext, at: dt.datetime, days: int) -> Event | None:
    """The child's latest children's social care record within `days`, or an open plan's record."""
    latest = None
    for e in ctx.events:
        if (kind_info(e.kind).casework or e.agency_kind == CSC_AGENCY_KIND) and _within(e, at, days):
            latest = e
    if latest is not None:
        return latest
    plan = ctx.plan_on(at.date(), ("cp", "cin", "lac"))
    if plan is not None:
        return next((e for e in ctx.events if e.key == plan.event_key), None)
    return None


# --- context factors (R6, R10): never alert on their own ---------------------------------------------

CONTEXT_PARAMS: dict[str, Any] = {
    "lookback_days": 365,
    "min_trio_factors": 2,  # R6's threshold for raising severity
    "repeat_attendances": 3,  # R10: unscheduled attendances in the lookback
    "new_partner_after_days": 90,  # an adult first seen with the child this long after the child was
    "mental_health_words": ("anxiety", "low mood", "depression", "overdose", "self harm", "psychosis",
                            "mental health", "suicidal"),
    "substance_words": ("controlled drug", "drug", "drugs", "alcohol", "substance", "intoxicated", "drunk"),
}

DOMESTIC_ABUSE = "domestic abuse"
MENTAL_HEALTH = "parental mental ill-health"
SUBSTANCE = "parental substance misuse"
PARENT_CP = "parent's own child-protection history"
NEW_PARTNER = "new partner after separation"
REPEAT_ATTENDANCES = "repeat unscheduled attendances"
TRIO_FACTORS = (DOMESTIC_ABUSE, MENTAL_HEALTH, SUBSTANCE, PARENT_CP, NEW_PARTNER)


def trio_factors(ctx: ChildContext, at: dt.datetime, params: dict[str, Any] | None = None) -> tuple[str, ...]:
    """R6's factors present for the child at `at` (each on its own is context, never an alert)."""
    p = CONTEXT_PARAMS if params is None else {**CONTEXT_PARAMS, **params}
    days = p["lookback_days"]
    adults = {m.person_id for m in ctx.household if m.is_adult}
    found: set[str] = set()
    for e in [*ctx.events, *ctx.household_events]:
        if not _within(e, at, days):
            continue
        d = e.detail
        text = _text_of(e)
        if d.get("code") == "domestic_abuse" or "dash_risk" in d or _truthy(d.get("domestic_abuse")):
            found.add(DOMESTIC_ABUSE)
        if _truthy(d.get("parent_cp_history")):
            found.add(PARENT_CP)
        if _truthy(d.get("substance_misuse")):
            found.add(SUBSTANCE)
        if _truthy(d.get("mental_health")):
            found.add(MENTAL_HEALTH)
        if e.person_id in adults or e.person_id.startswith("unidentified:"):
            if _has_any(text, p["mental_health_words"]):
                found.add(MENTAL_HEALTH)
            if _has_any(text, p["substance_words"]):
                found.add(SUBSTANCE)
    if ctx.household:
        first = min(m.start for m in ctx.household)
        if ctx.events:
            first = min(first, ctx.events[0].occurred_on)
        late = dt.timedelta(days=p["new_partner_after_days"])
        for m in ctx.household:
            if m.is_adult and m.start - first >= late and at.date() - dt.timedelta(days=days) <= m.start <= at.date():
                found.add(NEW_PARTNER)
                break
    return tuple(f for f in TRIO_FACTORS if f in found)


def repeat_attendances(ctx: ChildContext, at: dt.datetime, params: dict[str, Any] | None = None) -> tuple[str, ...]:
    """R10's factor: repeat unscheduled attendances (a modifier only; weak and poverty-linked on its own)."""
    p = CONTEXT_PARAMS if params is None else {**CONTEXT_PARAMS, **params}
    days = {e.occurred_on for e in ctx.events if e.kind in UNSCHEDULED_KINDS and _within(e, at, p["lookback_days"])}
    return (REPEAT_ATTENDANCES,) if len(days) >= p["repeat_attendances"] else ()


def context_factors(ctx: ChildContext, at: dt.datetime, params: dict[str, Any] | None = None) -> tuple[str, ...]:
    """Every context factor present (R6's and R10's); other rules attach them to their findings."""
    return trio_factors(ctx, at, params) + repeat_attendances(ctx, at, params)


def severity_for(factors: tuple[str, ...], params: dict[str, Any] | None = None) -> str:
    """"raised" when R6's threshold is met, or one R6 factor comes with R10's repeat attendances."""
    p = CONTEXT_PARAMS if params is None else {**CONTEXT_PARAMS, **params}
    trio = [f for f in factors if f in TRIO_FACTORS]
    if len(trio) >= p["min_trio_factors"] or (trio and REPEAT_ATTENDANCES in factors):
        return "raised"
    return "standard"


def _factors_memo(ctx: ChildContext, at: dt.datetime) -> tuple[str, ...]:
    """`context_factors`, worked out once per context and time and shared by every rule that fires."""
    key = (at, tuple((id(e), e.key, e.version) for e in ctx.events),
           tuple((id(e), e.key, e.version) for e in ctx.household_events), tuple(ctx.household))
    hit = ctx.memo.get("context_factors")
    if hit is not None and hit[0] == key:
        return hit[1]
    factors = context_factors(ctx, at)
    ctx.memo["context_factors"] = (key, factors)
    return factors


def _finding(rule_id: str, ctx: ChildContext, at: dt.datetime, sentence: str, evidence: Iterable[str],
             due_at: dt.datetime | None = None) -> Finding:
    factors = _factors_memo(ctx, at)
    if factors:
        sentence += f" Context: {', '.join(factors)}."
    return Finding(rule_id, sentence, tuple(dict.fromkeys(evidence)), severity_for(factors), factors, due_at)


def _never(ctx: ChildContext, at: dt.datetime, params: dict[str, Any]) -> None:
    """Context-only rules never produce a finding (see `context_factors`)."""
    return None


# --- R1: injury in a child who is not independently mobile -------------------------------------------


def r1_not_mobile(ctx: ChildContext, at: dt.datetime, params: dict[str, Any]) -> Finding | None:
    hits = []
    for e in _injuries(ctx, at, params["lookback_days"]):
        mobile = e.detail.get("independently_mobile")
        age = ctx.age_days(e.occurred_on)
        if _falsy(mobile) or (not _truthy(mobile) and age is not None and 0 <= age < params["max_age_days"]):
            hits.append(e)
    if not hits:
        return None
    e = hits[-1]
    age = ctx.age_days(e.occurred_on)
    age_s = f" when the child was {_age_text(age)}" if age is not None else ""
    more = f" ({len(hits)} such injuries in {params['lookback_days']} days)" if len(hits) > 1 else ""
    sentence = (f"{_injury_text(e).capitalize()} recorded by {_who(e)} on {_d(e.occurred_on)}{age_s}{more}: "
                "any bruise or injury in a child who is not independently mobile should make us suspect "
                "maltreatment unless there is a clear, confirmed explanation.")
    return _finding("R1", ctx, at, sentence, (x.key for x in hits))


# --- R2: TEN-4-FACESp bruising under 4 ---------------------------------------------------------------

TEN4_SITES = TEN4_SITE_WORDS  # the text fallback (alerts.rules.sites)


def ten4_site(inj: Injury, words: Iterable[str] = TEN4_SITE_WORDS) -> bool:
    """Whether the injury's site is a TEN-4-FACESp site: its SNOMED CT code first (the product's table in
    `rules.sites`), the recorded text only when no code was sent or the code is in neither table."""
    if inj.site_code in TEN4_SITE_CODES:
        return True
    if inj.site_code in OTHER_SITE_CODES:
        return False
    return _has_any(inj.site, words)


def _patterned(inj: Injury, params: dict[str, Any]) -> bool:
    return bool(inj.pattern) or _has_any(inj.description, params["pattern_words"])


def _ten4_bruises(e: Event, params: dict[str, Any]) -> list[Injury]:
    out = []
    for inj in e.injuries:
        bruise = _has_any(inj.description, params["bruise_words"]) or bool(inj.pattern)
        if bruise and (ten4_site(inj, params["sites"]) or _patterned(inj, params)):
            out.append(inj)
    return out


def r2_ten4(ctx: ChildContext, at: dt.datetime, params: dict[str, Any]) -> Finding | None:
    hits = []
    for e in _injuries(ctx, at, params["lookback_days"]):
        age = ctx.age_days(e.occurred_on)
        if age is None or not 0 <= age < params["max_age_years"] * 365.25:
            continue
        if _ten4_bruises(e, params):
            hits.append(e)
    if not hits:
        return None
    e = hits[-1]
    age = ctx.age_days(e.occurred_on)
    found = _ten4_bruises(e, params)
    where = "bruising at a TEN-4-FACESp site" if any(ten4_site(i, params["sites"]) for i in found) else \
        "a patterned bruise"
    more = f" ({len(hits)} such records in {params['lookback_days']} days)" if len(hits) > 1 else ""
    sentence = (f"{_injury_text(e).capitalize()} recorded by {_who(e)} on {_d(e.occurred_on)} in a child "
                f"{_age_text(age or 0)}{more}: {where} in a child under {params['max_age_years']} is a recognised "
                "sign of physical abuse and needs a child protection medical opinion.")
    return _finding("R2", ctx, at, sentence, (x.key for x in hits))


# --- R3: repeated injuries with differing explanations ----------------------------------------------


NO_EXPLANATION = "no explanation given"


def _account(inj: Injury) -> str:
    """The account given for an injury, by its coded `explanation_status`: the explanation's words when given,
    "no explanation given" when one was asked for and not given; "" when not asked or not known (not an account)."""
    if inj.explanation_status == "given":
        return " ".join(_words(inj.explanation).split())
    if inj.explanation_status == "not_given":
        return NO_EXPLANATION
    return ""


def _account_text(inj: Injury) -> str:
    if inj.explanation_status == "given":
        return f"“{inj.explanation}”"
    return {"not_given": "no explanation given", "not_asked": "no explanation asked for"}.get(
        inj.explanation_status, "explanation not recorded")


def body_area(inj: Injury) -> str:
    """The body area of the injury's site ("head or face", "neck", "trunk", "arm", "leg"): its SNOMED CT code
    first, the recorded text by whole words when no code was sent or the code is in neither table; "" when
    neither says."""
    region = TEN4_SITE_CODES.get(inj.site_code) or OTHER_SITE_CODES.get(inj.site_code)
    if region:
        return AREA_OF_REGION.get(region, "")
    for area, words in AREA_WORDS:
        if _has_any(inj.site, words):
            return area
    return ""


def r3_repeat_injuries(ctx: ChildContext, at: dt.datetime, params: dict[str, Any]) -> Finding | None:
    """Accounts that differ for the same injury, or for injuries close in time and site: two injuries to the
    same body area no more than `close_days` apart (the same injury told to two agencies, or a second injury
    where the first was), with accounts (`given` words, or "no explanation given") that differ. Two injuries
    to different places, or months apart, with different explanations are ordinary childhood and do not fire."""
    told = [(e, i, area, account) for e in _injuries(ctx, at, params["window_days"])
            for i in (e.injuries or (e.injury,))
            if (account := _account(i)) and (area := body_area(i))]
    close = dt.timedelta(days=params["close_days"])
    pairs = [(a, b) for n, a in enumerate(told) for b in told[n + 1:]
             if a[2] == b[2] and a[3] != b[3] and abs(b[0].occurred_on - a[0].occurred_on) <= close]
    if not pairs:
        return None
    cited = {id(x): x for pair in pairs for x in pair}
    involved = sorted(cited.values(), key=lambda x: (x[0].occurred_at, x[0].key))
    records = list({x[0].key: x[0] for x in involved}.values())
    agencies = sorted({_who(e) for e in records})
    areas = sorted({x[2] for x in involved})
    accounts = "; ".join(f"{_d(e.occurred_on)} {_who(e)}, {i.description or 'injury'} to the "
                         f"{i.site or 'unrecorded site'}: {_account_text(i)}" for e, i, _, _ in involved[-4:])
    span = max(abs(b[0].occurred_on - a[0].occurred_on).days for a, b in pairs)
    apart = "on the same day" if span == 0 else f"within {span} day{'s' if span != 1 else ''}"
    sentence = (f"Different explanations for injuries to the {' and the '.join(areas)} {apart}, recorded by "
                f"{len(agencies)} agenc{'y' if len(agencies) == 1 else 'ies'} ({accounts}): explanations of the "
                "same injury, or of injuries close in time and place, that change between accounts should make "
                "us suspect maltreatment.")
    return _finding("R3", ctx, at, sentence, (e.key for e in records))


# --- R4: injury to a child on a plan or under enquiry, nobody told within 24 hours -------------------


NOTIFIED_SOCIAL_WORKER = frozenset({"social_worker", "childrens_social_care"})
NOTIFIED_POLICE = frozenset({"police"})


def _told(ctx: ChildContext, injury: Event, hours: int) -> tuple[bool, bool, list[Event]]:
    """Whether the social worker and the police knew within `hours`: a record of theirs (children's social care's
    or the police's own record of the injury counts: they knew), a strategy discussion, or `detail.notified`."""
    notified = injury.detail.get("notified") or ()
    if isinstance(notified, str):
        notified = [notified]
    codes = {_code(n) for n in notified}
    sw = bool(codes & NOTIFIED_SOCIAL_WORKER) or injury.agency_kind == CSC_AGENCY_KIND
    police = bool(codes & NOTIFIED_POLICE) or injury.agency_kind == POLICE_AGENCY_KIND
    found = []
    end = injury.occurred_at + dt.timedelta(hours=hours)
    for e in ctx.events:
        if e is injury or not (injury.occurred_at <= e.occurred_at <= end):
            continue
        if e.kind == "strategy_discussion":
            sw = police = True
            found.append(e)
        elif e.agency_kind == CSC_AGENCY_KIND or kind_info(e.kind).casework:
            sw = True
            found.append(e)
        elif e.agency_kind == POLICE_AGENCY_KIND or e.kind in ("police_incident", "arrest"):
            police = True
            found.append(e)
    return sw, police, found


def r4_not_told(ctx: ChildContext, at: dt.datetime, params: dict[str, Any]) -> Finding | None:
    hours = params["notify_hours"]
    late = []
    for e in _injuries(ctx, at, params["lookback_days"]):
        due = e.occurred_at + dt.timedelta(hours=hours)
        if due > at:
            continue
        plan = ctx.plan_on(e.occurred_on, ("cp",))
        enquiry = None if plan else _under_enquiry(ctx, e.occurred_on, params["enquiry_days"])
        if plan is None and enquiry is None:
            continue
        sw, police, _ = _told(ctx, e, hours)
        if sw and police:
            continue
        missing = " and ".join(x for x, ok in (("the social worker", sw), ("the police", police)) if not ok)
        late.append((e, plan.event_key if plan else enquiry.key, "a child protection plan" if plan else
                     "a section 47 enquiry", missing, due))
    if not late:
        return None
    e, status_key, status, missing, due = late[-1]
    sentence = (f"{_injury_text(e).capitalize()} recorded by {_who(e)} on {_d(e.occurred_on)} while the child was "
                f"on {status}, and no record that {missing} {'was' if ' and ' not in missing else 'were'} told "
                f"within {hours} hours.")
    keys = [status_key]
    for x in late:
        keys.append(x[0].key)
    return _finding("R4", ctx, at, sentence, keys, due_at=due)


# --- R5: an adult around the child whom children's social care has not recorded ----------------------


def r5_unknown_adult(ctx: ChildContext, at: dt.datetime, params: dict[str, Any]) -> Finding | None:
    known = _known_to_csc(ctx, at, params["csc_lookback_days"])
    if known is None:
        return None
    today = at.date()
    recent = today - dt.timedelta(days=params["recent_days"])
    adults = [m for m in ctx.household
              if m.is_adult and not m.in_csc_household_record and m.start <= today and m.end >= recent]
    adults += [c for c in ctx.companions
               if c.is_adult is not False and not c.in_csc_household_record and not c.known_to_csc
               and c.start <= today and c.end >= recent]
    if not adults:
        return None
    ids = {m.person_id for m in adults}
    keys = [e.key for e in ctx.household_events if e.person_id in ids and _within(e, at, params["recent_days"])]
    # the child's own records that name a companion with them (their agency, on the days they were recorded)
    keys += [e.key for e in ctx.events for c in adults if c in ctx.companions and _who(e) in c.agencies
             and c.start <= e.occurred_on <= c.end and _within(e, at, params["recent_days"])]
    names = []
    for m in adults:
        if m.label not in names:
            names.append(m.label)
    who = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    agencies = sorted({a for m in adults for a in m.agencies})
    seen_by = f" (recorded by {', '.join(agencies[:4])})" if agencies else ""
    sentence = (f"{who}{seen_by} {'was' if len(names) == 1 else 'were'} recorded living with or caring for the child "
                "but {} not on children's social care's household record: identify and check every adult "
                "around the child.".format("is" if len(names) == 1 else "are"))
    found = _finding("R5", ctx, at, sentence, [known.key, *keys])
    return dataclasses.replace(found, about=tuple(f"adult:{m.person_id}" for m in adults))


# --- R7: transience for a child under enquiry or on a plan -------------------------------------------


MOVE_KINDS = ("tenancy", "temporary_accommodation", "housing_application")


def r7_transience(ctx: ChildContext, at: dt.datetime, params: dict[str, Any]) -> Finding | None:
    day = at.date()
    plan = ctx.plan_on(day, tuple(params["plans"]))
    enquiry = None if plan else _under_enquiry(ctx, day, params["enquiry_days"])
    if plan is None and enquiry is None:
        return None
    moves: dict[dt.date, Event] = {}
    evictions = []
    for e in [*ctx.events, *ctx.household_events]:
        if not _within(e, at, params["window_days"]):
            continue
        if e.kind in MOVE_KINDS:
            moves.setdefault(e.occurred_on, e)
        elif e.kind == "eviction_proceedings":
            evictions.append(e)
    if len(moves) < params["min_moves"] and not evictions:
        return None
    status = "on a plan" if plan else "under a section 47 enquiry"
    parts = []
    if len(moves) >= params["min_moves"]:
        parts.append(f"{len(moves)} housing moves or applications in {params['window_days'] // 30} months")
    if evictions:
        parts.append(f"eviction proceedings on {_d(evictions[-1].occurred_on)}")
    sentence = (f"The child is {status} and the family is moving or losing its home ({'; '.join(parts)}): "
                "transient families lose professional contact; agree who follows the child.")
    keys = [plan.event_key if plan else enquiry.key, *(e.key for e in moves.values()), *(e.key for e in evictions)]
    return _finding("R7", ctx, at, sentence, keys)


# --- R8: child not seen after an injury, or while on a plan ------------------------------------------


def _not_seen(e: Event) -> bool:
    d = e.detail
    if e.kind == "missed_appointment" or d.get("not_brought") is True:
        return True
    return e.kind == "visit" and d.get("child_seen") is False


def r8_not_seen(ctx: ChildContext, at: dt.datetime, params: dict[str, Any]) -> Finding | None:
    day = at.date()
    after = dt.timedelta(days=params["after_injury_days"])
    hits: list[Event] = []
    sentence = ""
    for inj in _injuries(ctx, at, params["lookback_days"] + params["after_injury_days"]):
        for e in ctx.events:
            if _not_seen(e) and inj.occurred_on < e.occurred_on <= inj.occurred_on + after and _within(
                    e, at, params["lookback_days"]):
                hits += [inj, e]
                sentence = (f"After {_injury_text(inj)} on {_d(inj.occurred_on)} the child was not seen: "
                            f"{e.kind_label.lower()} on {_d(e.occurred_on)} ({_who(e)}).")
    plan = ctx.plan_on(day, tuple(params["plans"]))
    if plan is not None:
        visits = [e for e in ctx.events if e.kind == "visit" and e.occurred_on >= plan.start]
        streak = []
        for v in reversed(visits):
            if _falsy(v.detail.get("child_seen")):
                streak.append(v)
            else:
                break
        seen = [v.occurred_on for v in visits if _truthy(v.detail.get("child_seen"))]
        last_seen = max(seen, default=plan.start)
        unseen_days = (day - last_seen).days
        if len(streak) >= params["unseen_visits"] or (streak and unseen_days > params["unseen_days"]):
            hits += [*reversed(streak)]
            hits.insert(0, next((e for e in ctx.events if e.key == plan.event_key), streak[0]))
            # No running count of days: the sentence changes only when the evidence does (a new visit).
            sentence = (sentence + " " if sentence else "") + (
                f"On a plan and not seen by a social worker since {_d(last_seen)}: {len(streak)} "
                f"visit{'s' if len(streak) != 1 else ''} in a row without seeing the child"
                + (f", the latest on {_d(streak[0].occurred_on)}" if streak else "") + ".")
    if not hits:
        return None
    return _finding("R8", ctx, at, sentence + " Escalate: a child who is not seen cannot be kept safe.",
                    (e.key for e in hits))


# --- R9: a clinician sees a child on a plan without the plan flag ------------------------------------

CLINICAL_KINDS = ("consultation", "ed_attendance", "admission", "health_visitor_contact", "midwife_contact",
                  "ambulance_callout")


SEEN, NOT_SEEN, UNKNOWN = "seen", "not seen", "unknown"


def cp_flag_state(e: Event) -> str:
    """What a health encounter's record says about the child protection flag (`detail.cp_flag_seen`): "seen",
    "not seen", or "unknown" when the record does not say (R9 then cannot tell, and does not fire)."""
    flag = e.detail.get("cp_flag_seen")
    if flag is True:
        return SEEN
    if flag is False:
        return NOT_SEEN
    return UNKNOWN


def r9_encounters(ctx: ChildContext, at: dt.datetime, params: dict[str, Any]) -> list[tuple[Event, str, str]]:
    """Every health encounter in the window during a plan: (event, the plan's event key, `cp_flag_state`)."""
    out = []
    for e in ctx.events:
        if e.kind not in params["clinical_kinds"] or not _within(e, at, params["lookback_days"]):
            continue
        if e.agency_kind and e.agency_kind not in HEALTH_AGENCY_KINDS:
            continue
        plan = ctx.plan_on(e.occurred_on, tuple(params["plans"]))
        if plan is not None:
            out.append((e, plan.event_key, cp_flag_state(e)))
    return out


def r9_no_plan_flag(ctx: ChildContext, at: dt.datetime, params: dict[str, Any]) -> Finding | None:
    hits = [(e, plan_key) for e, plan_key, state in r9_encounters(ctx, at, params) if state == NOT_SEEN]
    if not hits:
        return None  # an encounter whose record does not say is "unknown": not a finding
    e, plan_key = hits[-1]
    hits = [h for h, _key in hits]
    sentence = (f"{_who(e)} saw the child ({e.kind_label.lower()}, {_d(e.occurred_on)}) while the child was on a "
                "child protection plan and the record says the clinician did not see the child protection plan "
                "flag: the clinician may not have known.")
    return _finding("R9", ctx, at, sentence, [plan_key, *(x.key for x in hits)])


# --- R11: behaviour change with a new injury or neglect sign, on a plan ------------------------------


def _neglect_signs(e: Event, params: dict[str, Any]) -> tuple[str, ...]:
    """The coded neglect signs a record carries (`detail.neglect_signs`, `detail.neglect: true`, a poor
    `detail.home_conditions`), as words; free text is not read."""
    d = e.detail
    signs = d.get("neglect_signs") or ()
    out = [str(s).replace("_", " ") for s in (signs if isinstance(signs, list) else [signs]) if s]
    if _code(d.get("home_conditions")) in params["poor_home"]:
        out.append(f"home conditions {str(d['home_conditions']).replace('_', ' ')}")
    if d.get("neglect") is True and not out:
        out.append("neglect")
    return tuple(out)


def _neglect_sign(e: Event, params: dict[str, Any]) -> bool:
    return bool(_neglect_signs(e, params))


BEHAVIOUR_WORDS = ("withdrawn", "flinching", "flinched", "flinches", "pulling away", "pulled away", "pulls away",
                   "frozen watchfulness", "fearful", "subdued", "scared of", "frightened")


def r11_behaviour(ctx: ChildContext, at: dt.datetime, params: dict[str, Any]) -> Finding | None:
    plan = ctx.plan_on(at.date(), tuple(params["plans"]))
    if plan is None:
        return None
    recent = [e for e in ctx.events if _within(e, at, params["window_days"])]
    behaviour = [e for e in recent if e.detail.get("behaviour_change") is True
                 or _has_any(e.text, params["behaviour_words"])]
    harm = [e for e in recent if e.injury is not None or _neglect_sign(e, NEGLECT_PARAMS)]
    if not behaviour or not harm:
        return None
    b, h = behaviour[-1], harm[-1]
    sign = _injury_text(h) if h.injury is not None else "a neglect sign"
    sentence = (f"A change in the child's behaviour recorded by {_who(b)} on {_d(b.occurred_on)} together with "
                f"{sign} ({_who(h)}, {_d(h.occurred_on)}) while the child is on a plan: escalate to the "
                "allocated social worker's manager.")
    return _finding("R11", ctx, at, sentence, [plan.event_key, *(e.key for e in behaviour), *(e.key for e in harm)])


# --- R12: a decision that lowered protection, followed by a new injury or concern --------------------


# Coded decisions that lower protection (docs/formats/README.md): (kind or "" for any kind, key, code) → words.
LOWERING_DECISIONS: dict[tuple[str, str, str], str] = {
    ("", "decision", "no_further_action"): "no further action",
    ("", "decision", "return_home"): "return home",
    ("referral", "nfa", "true"): "no further action on the referral",
    ("assessment", "outcome", "no_further_action"): "assessment: no further action",
    ("section47_enquiry", "outcome", "not_substantiated"): "section 47 enquiry: not substantiated",
    ("strategy_discussion", "decision", "no_section_47"): "strategy discussion: no section 47 enquiry",
    ("conference", "outcome", "no_plan"): "conference: no plan",
    ("conference", "outcome", "plan_ends"): "conference: plan ended",
    ("", "threshold_met", "false"): "threshold not met",
}
# Records that are a new worry about the child (besides injuries and neglect signs) when they follow a decision.
CONCERN_KINDS = ("school_concern", "referral", "csc_contact", "concern")
POLICE_CONCERN_ROLES = frozenset({"victim", "subject", "present", "witness"})


def _lowering(e: Event) -> str:
    """The decision that lowered protection this record codes (its words), else "". Coded values only: the
    words "no further action" in a record's free text are never read as a decision."""
    d = e.detail
    for (kind, key, code), words in LOWERING_DECISIONS.items():
        if (not kind or e.kind == kind) and key in d and _code(d[key]) == code:
            return words
    return ""


def _concern(e: Event) -> bool:
    """A new worry about the child: an injury, a neglect sign, a school concern, a contact or referral to
    children's social care, a concern raised, or a police incident naming the child as victim, subject, present
    or witness. A record that itself codes a decision lowering protection is a decision, not a new concern."""
    if e.injury is not None or _neglect_sign(e, NEGLECT_PARAMS):
        return True
    if _lowering(e):
        return False
    if e.kind in CONCERN_KINDS:
        return True
    return e.kind == "police_incident" and bool(POLICE_CONCERN_ROLES & set(e.roles))


def r12_after_lowering(ctx: ChildContext, at: dt.datetime, params: dict[str, Any]) -> Finding | None:
    follow = dt.timedelta(days=params["follow_days"])
    decisions = []
    for e in ctx.events:
        what = _lowering(e)
        if what:
            decisions.append((e.ended_on or e.occurred_on, e, what))
    if not decisions:
        return None
    hits = []
    for e in ctx.events:
        if not _concern(e) or not _within(e, at, params["recent_days"]):
            continue
        for day, dec, what in decisions:
            if dec is not e and day < e.occurred_on <= day + follow:
                hits.append((dec, what, e))
    if not hits:
        return None
    dec, what, e = hits[-1]
    label = _injury_text(e) if e.injury is not None else e.kind_label.lower()
    sentence = (f"A decision that lowered protection (“{what}”, {_who(dec)}, {_d(dec.ended_on or dec.occurred_on)}) "
                f"was followed within {params['follow_days']} days by {label} ({_who(e)}, {_d(e.occurred_on)}): "
                "review the decision.")
    keys = []
    for dec, _what, e in hits:
        keys += [dec.key, e.key]
    return _finding("R12", ctx, at, sentence, keys)


# --- R14: neglect signs from more than one contact ---------------------------------------------------

NEGLECT_PARAMS: dict[str, Any] = {
    "window_days": 183,
    "min_signs": 2,
    "poor_home": ("poor", "very_poor", "no_safe_sleeping_space"),  # `detail.home_conditions` codes
}


def r14_neglect(ctx: ChildContext, at: dt.datetime, params: dict[str, Any]) -> Finding | None:
    signs = [e for e in ctx.events if _within(e, at, params["window_days"]) and _neglect_sign(e, params)]
    days = {e.occurred_on for e in signs}
    if len(days) < params["min_signs"]:
        return None
    agencies = sorted({_who(e) for e in signs})
    listed = "; ".join(f"{_d(e.occurred_on)} {_who(e)}: {', '.join(_neglect_signs(e, params))}" for e in signs[-4:])
    sentence = (f"Signs of neglect on {len(days)} occasions in {params['window_days'] // 30} months from "
                f"{len(agencies)} agenc{'y' if len(agencies) == 1 else 'ies'} ({listed}): persistent signs "
                "should make us suspect neglect.")
    return _finding("R14", ctx, at, sentence, (e.key for e in signs))


# --- the catalogue -----------------------------------------------------------------------------------

# What each rule reads, as docs/formats/README.md names it ("What the alert rules read"): `Rule.inputs`.
_INJURY = ("detail.injury", "detail.injuries", "detail.injury.site", "detail.injury.description")
_PLAN = ("kind:cp_plan", "kind:cin_plan", "ended_on")
_ENQUIRY = ("kind:section47_enquiry", "kind:strategy_discussion", "ended_on")
_CONTEXT = ("detail.code", "detail.text", "detail.dash_risk", "detail.domestic_abuse", "detail.mental_health",
            "detail.substance_misuse", "detail.parent_cp_history", "kind:ed_attendance", "kind:admission",
            "kind:ambulance_callout", "mentions.address", "mentions.dob")
_NEGLECT = ("detail.neglect_signs", "detail.neglect", "detail.home_conditions")
INPUTS: dict[str, tuple[str, ...]] = {
    "R1": (*_INJURY, "detail.independently_mobile", "mentions.dob"),
    "R2": (*_INJURY, "detail.injury.site_code", "detail.injury.pattern", "mentions.dob"),
    "R3": (*_INJURY, "detail.injury.site_code", "detail.injury.explanation_status",
           "detail.injury.explanation_given"),
    "R4": (*_INJURY, *_PLAN, *_ENQUIRY, "detail.notified", "occurred_at", "agency_id"),
    "R5": ("mentions.address", "mentions.role", "mentions.dob", "mentions.age", "agency_id", *_PLAN),
    "R6": _CONTEXT,
    "R7": (*_PLAN, *_ENQUIRY, "kind:tenancy", "kind:temporary_accommodation", "kind:housing_application",
           "kind:eviction_proceedings", "mentions.address"),
    "R8": (*_INJURY, *_PLAN, "kind:missed_appointment", "detail.not_brought", "kind:visit", "detail.child_seen"),
    "R9": (*_PLAN, "kind:consultation", "kind:ed_attendance", "kind:admission", "kind:health_visitor_contact",
           "kind:midwife_contact", "kind:ambulance_callout", "detail.cp_flag_seen"),
    "R10": ("kind:ed_attendance", "kind:admission", "kind:ambulance_callout"),
    "R11": (*_PLAN, *_INJURY, *_NEGLECT, "detail.behaviour_change", "detail.text"),
    "R12": (*_INJURY, *_NEGLECT, "detail.decision", "detail.nfa", "detail.outcome", "detail.threshold_met",
            "kind:referral", "kind:assessment", "kind:section47_enquiry", "kind:strategy_discussion",
            "kind:conference", "kind:school_concern", "kind:csc_contact", "kind:concern", "kind:police_incident",
            "mentions.role", "ended_on"),
    "R14": _NEGLECT,
}

NICE = "NICE CG89 (2009, updated 2017), When to suspect child maltreatment"

RULES: tuple[Rule, ...] = (
    Rule(
        "R1", "Injury in a child who is not independently mobile",
        "A bruise or other injury recorded by any agency in a baby who cannot yet move about on their own "
        "(under 6 months when mobility is not recorded). Such injuries are rarely accidental.",
        f"{NICE}: bruising in a child who is not independently mobile; TEN-4-FACESp (Pierce et al. 2021), "
        "any bruise under 4.99 months.",
        SUSPECT, {"max_age_days": 183, "lookback_days": 90}, r1_not_mobile,
        inputs=INPUTS["R1"],
    ),
    Rule(
        "R2", "Bruising at a TEN-4-FACESp site, or patterned, under 4",
        "Bruising to the torso, ear, neck, frenulum, angle of jaw, cheek, eyelid or subconjunctiva, or a "
        "patterned bruise (fingertip, hand, loop, bite), in a child under 4.",
        "Pierce MC et al. 2021, JAMA Network Open 4(4):e215832 (TEN-4-FACESp: 95.6% sensitivity, 87.1% "
        f"specificity); {NICE}.",
        SUSPECT,
        {"max_age_years": 4, "lookback_days": 90, "sites": TEN4_SITES, "bruise_words": ("bruise", "bruises",
         "bruising", "bruised"),
         "pattern_words": ("fingertip", "finger tip", "finger marks", "hand print", "handprint", "slap mark", "loop",
                           "belt", "bite", "ligature", "grip marks")},
        r2_ten4,
        inputs=INPUTS["R2"],
    ),
    Rule(
        "R3", "Different explanations for the same or nearby injuries",
        "Different explanations, at any agencies, for the same injury or for injuries to the same part of the "
        "body no more than 21 days apart.",
        f"{NICE}: an explanation that is inconsistent between accounts or over time.",
        SUSPECT, {"window_days": 183, "close_days": 21}, r3_repeat_injuries,
        inputs=INPUTS["R3"],
    ),
    Rule(
        "R4", "Injury on a plan or under enquiry: social worker and police not told",
        "An injury to a child on a child protection plan or under a section 47 enquiry with no record, within "
        "24 hours, that both the social worker and the police were told.",
        "The purpose of CP-IS (NHS England); Haringey Local Safeguarding Children Board, Serious Case Review "
        "'Child A' (2008/2009): injuries in April 2007 not shared.",
        PROCESS_FAILURE, {"notify_hours": 24, "lookback_days": 30, "enquiry_days": 30}, r4_not_told,
        inputs=INPUTS["R4"],
        time_based=True,
    ),
    Rule(
        "R5", "An adult around the child not on the household record",
        "An adult seen living at the child's address, or recorded with the child by another agency, whom "
        "children's social care's records of the child do not name — for a child known to children's social "
        "care in the last year. Consider: identify and check the adult.",
        "Ofsted (2011) Ages of concern; Child Safeguarding Practice Review Panel (2021) 'The Myth of "
        "Invisible Men'.",
        CONSIDER, {"recent_days": 183, "csc_lookback_days": 365}, r5_unknown_adult,
        inputs=INPUTS["R5"],
    ),
    Rule(
        "R6", "Context: domestic abuse, parental mental ill-health, substance misuse (toxic trio)",
        "Two or more of domestic abuse, parental mental ill-health, parental substance misuse, a parent's own "
        "child-protection history or a new partner after separation raise the severity of other alerts. "
        "Never an alert on its own.",
        "Brandon M et al., biennial analyses of serious case reviews (2008–2020) ('toxic trio').",
        CONTEXT_ONLY, dict(CONTEXT_PARAMS), _never,
        inputs=INPUTS["R6"],
    ),
    Rule(
        "R7", "Transience for a child under enquiry or on a plan",
        "Two or more housing moves or applications in 12 months, or eviction proceedings, for a child under a "
        "section 47 enquiry or on a child protection or child in need plan.",
        "Local transient-families procedures; Haringey SCR 'Child A' (housing history).",
        CONSIDER, {"window_days": 365, "min_moves": 2, "enquiry_days": 60, "plans": ("cp", "cin")}, r7_transience,
        inputs=INPUTS["R7"],
    ),
    Rule(
        "R8", "Child not seen",
        "The child was not brought to an appointment, or a visit did not see them, within 14 days after an "
        "injury; or, on a child protection plan, two visits in a row (or 28 days) without the child being seen.",
        "'Was not brought' guidance (NSPCC; Powell 2003 onwards); Haringey SCR 'Child A' (July–August 2007).",
        ESCALATE, {"after_injury_days": 14, "lookback_days": 30, "plans": ("cp",), "unseen_visits": 2,
                   "unseen_days": 28},
        r8_not_seen, time_based=True,
        inputs=INPUTS["R8"],
    ),
    Rule(
        "R9", "Clinician not told the child is on a plan",
        "A health encounter (GP, emergency department, admission, health visitor, midwife, ambulance) with a "
        "child on a child protection plan whose record says the clinician did not see the child protection plan "
        "flag (detail.cp_flag_seen: false). A record that does not say is unknown: no alert.",
        "Haringey SCR 'Child A' (December 2006 and August 2007); CP-IS.",
        PROCESS_FAILURE, {"lookback_days": 30, "plans": ("cp",), "clinical_kinds": CLINICAL_KINDS}, r9_no_plan_flag,
        inputs=INPUTS["R9"],
    ),
    Rule(
        "R10", "Context: repeat unscheduled attendances",
        "Three or more emergency department attendances, admissions or ambulance call-outs in 12 months. A "
        "modifier only: raises severity with an R6 factor, never an alert.",
        "Woodman J et al. 2010 (repeat attendances are weak evidence on their own).",
        CONTEXT_ONLY, {"lookback_days": CONTEXT_PARAMS["lookback_days"],
                       "repeat_attendances": CONTEXT_PARAMS["repeat_attendances"]}, _never,
        inputs=INPUTS["R10"],
    ),
    Rule(
        "R11", "Behaviour change with a new injury or neglect sign, on a plan",
        "A recorded change in behaviour (withdrawn, flinching, pulling away) together with a new injury or "
        "neglect sign within 30 days, in a child on a plan.",
        "Haringey SCR 'Child A' (GP record, July 2007).",
        ESCALATE, {"window_days": 30, "plans": ("cp", "cin"), "behaviour_words": BEHAVIOUR_WORDS}, r11_behaviour,
        inputs=INPUTS["R11"],
    ),
    Rule(
        "R12", "New injury or concern soon after protection was lowered",
        "A coded decision that lowered protection (no further action, return home, threshold not met, section 47 "
        "not substantiated, no section 47, no plan or plan ended at conference) followed within 30 days by a new "
        "injury or concern.",
        "Haringey second serious case review (2009): threshold too high, injuries 'expected as a matter of "
        "course'.",
        CONSIDER, {"follow_days": 30, "recent_days": 60}, r12_after_lowering,
        inputs=INPUTS["R12"],
    ),
    Rule(
        "R14", "Neglect signs from more than one contact",
        "Signs of neglect coded by the recording agency (detail.neglect_signs: faltering growth, untreated "
        "conditions, poor hygiene, hungry, missed immunisations…; poor home conditions; detail.neglect) on two or "
        "more occasions within 6 months, by any agencies.",
        f"{NICE}, neglect; NICE NG76 (2017) Child abuse and neglect.",
        SUSPECT, dict(NEGLECT_PARAMS), r14_neglect,
        inputs=INPUTS["R14"],
    ),
    *CASEWORK_RULES,  # R15–R19: contact decision, assessment, initial conference, core group, review overdue
    *PRACTICE_RULES,  # R20, R21, R23: statutory visit, accompanied revisit, concern overdue (R22 retired)
)

# Rules taken out of the catalogue. An id is never reused; an open alert of a retired rule closes as "no longer
# applies" at the child's next evaluation (`alerts.services.alerts_evaluate_for_person`), saying why.
RETIRED_RULES: dict[str, str] = {
    "R13": "R13 (visit or supervision overdue) has been retired: overdue visits are R20 (statutory visit overdue) "
           "and R21 (accompanied revisit overdue), read from the casework clocks; overdue supervision actions and "
           "supervision frequency are on the supervision page.",
    "R22": "R22 (supervision action overdue) has been retired: an overdue supervision action is on its owner's and "
           "their manager's supervision page and home page, marked overdue, where it is marked done (ADR 0016).",
}

RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
CONTEXT_RULE_IDS = frozenset(r.id for r in RULES if r.kind == CONTEXT_ONLY)
