"""What a page calls things, in one place: the names of fields (a record's detail keys, the linkage model's
comparisons), a person's role in a record, coded values, and dates. A page never shows a stored code, a key or an
ISO-8601 timestamp: it asks this module (templates through the filters in `joinedup.web.templatetags.labels`;
chronology summaries and selectors directly).

This module sits at the bottom of the layers (`joinedup.core`), so every app may use it. Code lists owned by an
app higher up (casework's CIN census and SSDA903 lists) are registered here by that app when it starts
(`register_code_lists`, called from its `AppConfig.ready`); record kinds keep their labels in
`joinedup.chronology.kinds`, roles in `accounts.Role`, audit actions in `audit.AuditAction`.

- `field_label("primary_need")` → "Primary need"; `field_label("primary_need", inline=True)` → "primary need".
- `value_text("N3", "primary_need")` → "Parental disability or illness"; `value_text(True)` → "yes";
  `value_text("2025-03-28T13:43:00Z")` → "28 March 2025 13:43" (UK time); `value_text("cin_visit")` →
  "child in need visit".
- `words("accompanying_adult")` → "accompanying adult" (any code we hold no label for, in words).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.dateformat import format as date_format

DATE_FORMAT = "j F Y"  # 28 March 2025
DATETIME_FORMAT = "j F Y H:i"  # 28 March 2025 13:43 (UK time)

# Abbreviations a code is made of, as a reader says them (a code's other words are read as they are).
_WORDS = {
    "cin": "child in need", "cp": "child protection", "cpp": "child protection plan", "lac": "looked after",
    "ed": "A&E", "gp": "GP", "nhs": "NHS", "upn": "UPN", "uprn": "UPRN", "urn": "URN", "dash": "DASH",
    "sdq": "SDQ", "rag": "RAG", "csc": "children's social care", "mash": "MASH", "abh": "ABH", "gbh": "GBH",
    "id": "reference", "ids": "references", "dob": "date of birth", "gbp": "(£)", "nfa": "no further action",
    "icpc": "initial child protection conference", "rcpc": "review child protection conference",
    "s47": "section 47", "s17": "section 17", "asb": "antisocial behaviour", "mh": "mental health",
    "iro": "IRO",
}

# Field names as they read inside a sentence ("child seen: yes"); `field_label` capitalises them for a heading.
FIELD_LABELS: dict[str, str] = {
    # a record's detail (agency record format v1)
    "code": "what happened", "text": "note", "author_role": "recorded by", "author": "recorded by",
    "child_seen": "child seen", "seen_alone": "seen alone", "seen_alone_required": "must be seen alone",
    "not_seen_reason": "why the child was not seen", "not_seen_alone_reason": "why the child was not seen alone",
    "home_conditions": "home conditions", "visit_type": "visit type", "accompanied": "accompanied",
    "primary_need": "primary need", "category_of_need": "category of need", "factors": "assessment factors",
    "dash_risk": "DASH risk", "children_present": "children present", "legal_status": "legal status",
    "placement_type": "placement", "placement_provider": "placement provider", "placement_postcode": "placement postcode",
    "placement_urn": "placement's Ofsted number", "reason_new_episode": "why a new episode",
    "reason_ended": "why the episode ended", "reason_placement_change": "why the placement changed",
    "threshold_met": "threshold met", "risk_to_children": "risk to children", "amount_gbp": "amount (£)",
    "return_on": "return on", "year_group": "year group", "rag": "RAG rating", "rag_at": "rated at",
    "raised_by": "raised by", "raised_by_name": "who raised it", "source": "source", "source_code": "referral source",
    "decided_at": "decided at", "decided_by_role": "decided by", "decision_reason": "reason for the decision",
    "authorised_on": "authorised on", "actions": "actions", "actions_done": "actions done",
    "actions_done_on": "actions done on", "supervisor_role": "supervisor", "session_id": "supervision session",
    "case_id": "case reference", "contact_id": "contact reference", "strategy_id": "strategy discussion reference",
    "meeting_id": "meeting reference", "meeting_type": "meeting", "minutes_version": "minutes version",
    "response_due_at": "response due", "responded_at": "responded at", "responder_role": "responded by",
    "raiser_told_at": "raiser told at", "upn_unknown_reason": "why there is no UPN", "sdq_score": "SDQ score",
    "sdq_reason": "why there is no SDQ score", "neglect_signs": "signs of neglect", "offence_code": "offence",
    "conference_type": "conference", "conference_needed": "conference needed", "initial_category": "first category",
    "birth_weight_grams": "birth weight (grams)", "gestation_weeks": "gestation (weeks)",
    "bedrooms_needed": "bedrooms needed", "cp_flag_seen": "child protection flag seen", "is_mother": "the mother",
    "adopted_by_foster_carer": "adopted by the foster carer", "adopters_legal_status": "adopters' legal status",
    "adopters_number": "number of adopters", "adopters_sex": "adopters' sex", "matched_on": "matched on",
    "previous_permanence": "previous permanence", "home_postcode": "home postcode", "worker_id": "worker",
    "sessions_attended": "sessions attended", "sessions_possible": "sessions possible",
    "unauthorised_absences": "unauthorised absences", "change_reason": "reason for the change",
    "child_words": "the child's words", "health_assessment": "health assessment", "health_check": "health check",
    "teeth_check": "teeth check", "substance_misuse": "substance misuse", "referred_as": "referred as",
    "referrer_agency": "referring agency", "explanation_given": "explanation given", "explained_by": "explained by",
    "explanation_status": "explanation", "site_code": "site (SNOMED CT)", "nfa": "no further action",
    "sensitivity": "sensitive information", "ethnicity": "ethnicity", "disabilities": "disabilities",
    "participation": "how the child took part", "status": "status", "route": "route", "outcome": "outcome",
    "organisation": "organisation completing it", "family_id": "adoptive family reference",
    "disabled": "has a disability", "fostering_for_adoption": "fostering for adoption",
    "stage1_started_on": "stage 1 started on", "stage1_ended_on": "stage 1 ended on",
    "stage2_started_on": "stage 2 started on", "stage2_ended_on": "stage 2 ended on",
    "application_submitted_on": "application submitted on", "approved_on": "approved on",
    "placed_on": "children placed on", "children_placed": "children placed",
    "adoption_order_on": "adoption order on", "leaving_reason": "why they left the process",
    "adopters_family_id": "adoptive family reference", "personal_adviser": "personal adviser",
    "eligibility_category": "leaving care eligibility", "pathway_plan_reviewed_on": "pathway plan last reviewed on",
    "permanence_plan": "permanence plan", "placement_la": "local authority of the placement",
    "contact_type": "how the IRO was in touch",
    "decision": "decision", "decisions": "decisions", "dissent": "dissent", "escalated": "escalated",
    # a person's identifiers, as the linkage model compares them
    "given_name": "given name", "family_name": "family name", "nhs_number": "NHS number", "dob": "date of birth",
    "postcode": "postcode", "upn": "UPN (unique pupil number)", "sex": "sex",
}

# How far two records agree on one field (the linkage model's comparison levels).
MATCH_LEVELS: dict[str, str] = {
    "agree": "the same", "close": "nearly the same", "disagree": "different", "missing": "not on both records",
    "keyed": "the same number, perhaps keyed in error",  # a pair queued for a keying slip (people.selectors)
}

# How a version of a record reached joinedup (`SourceRecordVersion.received_via`).
RECEIVED_VIA: dict[str, str] = {"api": "through the API", "file": "in a file", "joinedup": "written in joinedup"}

# Detail values a sender writes as codes: key → code list (registered by the app that owns the list).
_CODE_LISTS: dict[str, Mapping[str, str]] = {}

# A record's actions (`practice.services.supervision.action_string`): "YYYY-MM-DD | owner | what".
_ACTION_KEYS = frozenset({"actions", "actions_done"})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_ISO_IN_TEXT = re.compile(r"(?<![\w-])(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?(?![\w-])")
_CODE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_USERNAME_IN_BRACKETS = re.compile(r"\s*\([\w.@+-]+\)$")


def register_code_lists(lists: Mapping[str, Mapping[str, str]]) -> None:
    """Let `value_text` read the values of these detail keys as codes of these lists (an app's `ready`)."""
    _CODE_LISTS.update(lists)
    _short.cache_clear()


def words(code: object) -> str:
    """A code in words: "accompanying_adult" → "accompanying adult", "cin_visit" → "child in need visit"."""
    text = str(code or "").strip()
    if not text:
        return ""
    return " ".join(_WORDS.get(w.lower(), w) for w in re.split(r"[_\s]+", text) if w)


def sentence(text: str) -> str:
    """The first letter a capital (the rest as it is: "DASH risk" stays)."""
    return text[:1].upper() + text[1:]


def inline(text: str) -> str:
    """A label inside a sentence: its first letter small ("Physical abuse" → "physical abuse"), an acronym kept
    ("DASH risk", "A&E attendance")."""
    first = text.split(" ", 1)[0]
    if (len(first) > 1 and first.isupper()) or "&" in first:
        return text
    return text[:1].lower() + text[1:]


def field_label(key: object, *, inline: bool = False) -> str:
    """A field's name: "Primary need" (or "primary need" inside a sentence)."""
    key = str(key or "")
    label = FIELD_LABELS.get(key) or words(key)
    return label if inline else sentence(label)


def match_level(level: object) -> str:
    """How far two records agree on a field: "the same", "nearly the same", "different", "not on both records"."""
    return MATCH_LEVELS.get(str(level), words(level))


def date_text(value: dt.date | dt.datetime | str | None) -> str:
    """A day as people write it: "28 March 2025" (a moment's day in UK time)."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = _parse(value)
        if isinstance(value, str):
            return value
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return date_format(value, DATE_FORMAT)


def datetime_text(value: dt.datetime | str | None) -> str:
    """A moment as people write it, in UK time: "28 March 2025 13:43" (a day alone: "28 March 2025")."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = _parse(value)
        if isinstance(value, str):
            return value
    if not isinstance(value, dt.datetime):
        return date_format(value, DATE_FORMAT)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, DATETIME_FORMAT)


def _parse(text: str) -> dt.date | dt.datetime | str:
    text = text.strip()
    try:
        if _ISO_DATE.match(text):
            return dt.date.fromisoformat(text)
        if _ISO_DATETIME.match(text):
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    except ValueError:
        pass
    return text


def dates_in_text(text: str) -> str:
    """Every ISO-8601 date or timestamp in a string written as people write it (the rest of the string as it is)."""

    def human(match: re.Match) -> str:
        return datetime_text(match[0]) if match[2] else date_text(match[1])

    return _ISO_IN_TEXT.sub(human, text)


def _action(value: str) -> str:
    parts = [p.strip() for p in value.split("|", 2)]
    if len(parts) == 3 and _ISO_DATE.match(parts[0]):
        owner = _USERNAME_IN_BRACKETS.sub("", parts[1])
        return f"{parts[2]} ({owner}{', ' if owner else ''}due {date_text(parts[0])})"
    return dates_in_text(value)


def value_text(value: Any, key: str = "", *, in_sentence: bool = False) -> str:
    """A stored value as a page shows it (see the module's docstring). Free text is kept as written, but for its
    ISO-8601 dates; a code of a registered list becomes its label (`in_sentence`: as inside a sentence, "physical
    abuse"); an unlisted code (`snake_case`) its words."""
    if value is None or value == "":
        return ""
    if type(value) is str:  # most values: none of the checks below applies; a short one's answer is kept (`_short`)
        return _short(value, key, in_sentence) if len(value) <= SHORT_KEPT else _text(value, key, in_sentence)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return datetime_text(value)
    if isinstance(value, dt.date):
        return date_text(value)
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, list | tuple | set):
        items = [t for t in (value_text(v, key, in_sentence=in_sentence) for v in value) if t]
        return ("; " if key in _ACTION_KEYS or any(", " in t for t in items) else ", ").join(items)
    if isinstance(value, Mapping):
        return "; ".join(f"{field_label(k, inline=True)}: {t}" for k, v in value.items()
                         if (t := value_text(v, k, in_sentence=in_sentence)))
    return _text(str(value), key, in_sentence)


def _text(text: str, key: str, in_sentence: bool) -> str:
    """A text value as a page shows it (`value_text`)."""
    table = _CODE_LISTS.get(key)
    if table is not None and text in table:
        return inline(table[text]) if in_sentence else table[text]
    if key in _ACTION_KEYS:
        return _action(text)
    parsed = _parse(text)
    if isinstance(parsed, dt.datetime):
        return datetime_text(parsed)
    if isinstance(parsed, dt.date):
        return date_text(parsed)
    if _CODE.match(text):
        return words(text)
    return dates_in_text(text)


SHORT_KEPT = 64  # codes, dates and short values: a chronology shows the same ones on every row; free text is not kept
_short = functools.lru_cache(maxsize=8192)(_text)  # `register_code_lists` forgets what was kept
