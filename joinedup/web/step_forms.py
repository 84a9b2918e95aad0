"""The form of each casework step (`joinedup.casework.services.STEPS`): which fields, in which order, with
which choices and defaults, and how what was typed becomes the step's data. Field names are the step's data
keys, so the service's `StepInvalid` errors land on the fields they name. Required-ness, dates in range and
codes are checked by the service (one set of rules for the screens and the API); this module only parses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from joinedup.casework import codes
from joinedup.casework.services.steps import TEXT_LIMIT
from joinedup.casework.state import CaseState
from joinedup.web.forms_casework import DATE_FORMATS, DATETIME_FORMATS

DATE_HINT = "For example, 27/3/2026. Today's date is filled in."


@dataclass(frozen=True)
class Spec:
    """One field of a step's form."""

    name: str
    label: str
    kind: str  # date, datetime, radios, checkboxes, select, textarea, text, yesno
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    required: bool = True


def _choices(table: dict[str, str], *, without: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in table.items() if k not in without)


def _date(name: str, label: str) -> Spec:
    return Spec(name, label, "date", hint=DATE_HINT)


def _episode(*, postcode_hint: str) -> tuple[Spec, ...]:
    return (
        Spec("legal_status", "Legal status", "select", _choices(codes.LEGAL_STATUSES)),
        Spec("placement_type", "Placement type", "select", _choices(codes.PLACEMENT_TYPES)),
        Spec("placement_provider", "Placement provider", "select", _choices(codes.PLACEMENT_PROVIDERS)),
        Spec("placement_postcode", "Placement postcode (optional)", "text", hint=postcode_hint, required=False),
        Spec("category_of_need", "Category of need", "select", _choices(codes.PRIMARY_NEEDS, without=("N0", "N9"))),
    )


FIELDS: dict[str, tuple[Spec, ...]] = {
    "assessment_start": (_date("started_on", "When did the assessment start?"),),
    "assessment_complete": (
        _date("authorised_on", "When was the assessment authorised?"),
        Spec("factors", "Factors identified at assessment", "checkboxes", _choices(codes.ASSESSMENT_FACTORS),
             hint="Select all that apply, or 'No factors identified'."),
        Spec("outcome", "Outcome of the assessment", "radios", _choices(codes.ASSESSMENT_OUTCOMES)),
        Spec("primary_need", "Primary need (optional)", "select", (("", "Keep as recorded"),
                                                                   *_choices(codes.PRIMARY_NEEDS)), required=False),
    ),
    "strategy_discussion": (
        Spec("held_at", "When was it held?", "datetime",
             hint="Day/month/year and time, for example 27/3/2026 14:30. Now is filled in."),
        Spec("attendees", "Who took part?", "textarea",
             hint="One per line: agency and role, for example 'Police: detective sergeant'."),
        Spec("decision", "What was decided?", "radios", _choices(codes.STRATEGY_DECISIONS)),
        Spec("text", "Notes (optional)", "textarea", required=False),
    ),
    "section47_start": (_date("started_on", "When did the enquiry start?"),),
    "section47_complete": (
        _date("completed_on", "When did the enquiry finish?"),
        Spec("outcome", "Outcome of the enquiry", "radios", _choices(codes.SECTION47_OUTCOMES)),
        Spec("conference_needed", "Is an initial child protection conference needed?", "yesno",
             (("yes", "Yes"), ("no", "No"))),
    ),
    "initial_conference": (
        _date("held_on", "When was the conference held?"),
        Spec("outcome", "What did the conference decide?", "radios",
             tuple((k, codes.CONFERENCE_OUTCOMES[k]) for k in ("plan", "no_plan"))),
        Spec("category", "Category of the plan", "radios", _choices(codes.CATEGORIES),
             hint="Needed when the conference decided on a child protection plan.", required=False),
    ),
    "core_group": (
        _date("held_on", "When did the core group meet?"),
        Spec("attendees", "Who took part? (optional)", "textarea", hint="One per line: agency and role.",
             required=False),
        Spec("text", "Notes (optional)", "textarea", required=False),
    ),
    "review_conference": (
        _date("held_on", "When was the review conference held?"),
        Spec("outcome", "What did the conference decide?", "radios",
             tuple((k, codes.CONFERENCE_OUTCOMES[k]) for k in ("plan_continues", "plan_ends"))),
        Spec("category", "Category of the plan", "radios", _choices(codes.CATEGORIES),
             hint="The plan's current category is selected; change it if the conference changed it.",
             required=False),
    ),
    "cin_plan_start": (_date("started_on", "When did the child in need plan start?"),),
    "cin_plan_end": (_date("ended_on", "When did the child in need plan end?"),),
    "looked_after_start": (
        _date("started_on", "When did the child start to be looked after?"),
        *_episode(postcode_hint="Shown only to the allocated worker and their team manager."),
    ),
    "looked_after_change": (
        _date("changed_on", "When did it change?"),
        Spec("reason_new_episode", "What changed?", "radios", _choices(codes.REASONS_NEW_EPISODE, without=("S",))),
        *_episode(postcode_hint="Of the placement from this date. Shown only to the allocated worker and their team "
                                "manager."),
    ),
    "looked_after_end": (
        _date("ended_on", "When did the child stop being looked after?"),
        Spec("reason_ended", "Why?", "select", _choices(codes.REASONS_EPISODE_ENDED, without=("X1",))),
    ),
    "close": (
        _date("closed_on", "When did the case close?"),
        Spec("reason", "Reason for closing the case", "radios", _choices(codes.CLOSURE_REASONS)),
    ),
}

_DATE = forms.DateField(input_formats=DATE_FORMATS)
_DATETIME = forms.DateTimeField(input_formats=[f for f in DATETIME_FORMATS if "%H" in f])


def defaults(step: str, case: CaseState, *, shows_placement_address: bool,
             now: dt.datetime | None = None) -> dict[str, Any]:
    """What the form starts with: today's date (now, for a discussion), and what the case already says."""
    local = timezone.localtime(now or timezone.now())
    out: dict[str, Any] = {}
    for spec in FIELDS[step]:
        if spec.kind == "date":
            out[spec.name] = f"{local:%d/%m/%Y}"
        elif spec.kind == "datetime":
            out[spec.name] = f"{local:%d/%m/%Y %H:%M}"
    if step == "assessment_complete":
        out["primary_need"] = case.primary_need
    plan = case.open_protection_plan()
    if step == "review_conference" and plan is not None:
        out["category"] = plan.latest_category
    episode = case.open_episode()
    if step == "looked_after_change" and episode is not None:
        out.update(legal_status=episode.legal_status, placement_type=episode.placement_type,
                   placement_provider=episode.placement_provider, category_of_need=episode.category_of_need)
        if shows_placement_address:
            out["placement_postcode"] = episode.placement_postcode
    if step == "looked_after_start":
        out["category_of_need"] = case.primary_need if case.primary_need not in ("N0", "N9") else ""
    return out


def parse(step: str, post) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """(the step's data, errors in parsing, the values as typed to show again)."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    typed: dict[str, Any] = {}
    for spec in FIELDS[step]:
        if spec.kind == "checkboxes":
            values = [v for v in post.getlist(spec.name) if v]
            data[spec.name] = typed[spec.name] = values
            continue
        raw = (post.get(spec.name) or "").strip()
        typed[spec.name] = raw
        if not raw:
            data[spec.name] = None
        elif spec.kind == "date":
            try:
                data[spec.name] = _DATE.clean(raw)
            except ValidationError:
                data[spec.name] = raw  # the service says "Enter the date … as a real date"
        elif spec.kind == "datetime":
            try:
                data[spec.name] = _DATETIME.clean(raw)
                continue
            except ValidationError:
                pass
            try:
                data[spec.name] = _DATE.clean(raw)  # a day without a time: the service takes midday
            except ValidationError:
                data[spec.name] = None
                errors[spec.name] = ("Enter the date and time as day/month/year and hours:minutes, for example "
                                     "27/3/2026 14:30")
        else:
            data[spec.name] = raw
    return data, errors, typed


@dataclass
class Option:
    value: str
    label: str
    id: str
    checked: bool


@dataclass
class BoundField:
    """A field ready to draw: its value as typed (or its default) and its error."""

    spec: Spec
    id: str
    value: str = ""
    error: str = ""
    options: list[Option] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def limit(self) -> int:
        """The most characters the service takes in a text field (its `TEXT_LIMIT`), else 0."""
        return TEXT_LIMIT if self.spec.kind in ("text", "textarea") else 0

    @property
    def limit_text(self) -> str:
        return f"{self.limit:,}"

    @property
    def anchor(self) -> str:
        """Where the error summary links: the field, or its first option."""
        return self.options[0].id if self.spec.kind in ("radios", "checkboxes", "yesno") and self.options else self.id


def bind(step: str, values: dict[str, Any], errors: dict[str, str]) -> list[BoundField]:
    out = []
    for spec in FIELDS[step]:
        ident = f"f-{spec.name.replace('_', '-')}"
        value = values.get(spec.name)
        chosen = {str(v) for v in value} if isinstance(value, list | tuple) else {"" if value is None else str(value)}
        if isinstance(value, bool):
            chosen = {"yes" if value else "no"}
        options = [Option(v, label, f"{ident}-{i}" if i else ident, v in chosen)
                   for i, (v, label) in enumerate(spec.choices)]
        text = "" if value is None or isinstance(value, list | tuple) else str(value)
        out.append(BoundField(spec, ident, text, errors.get(spec.name, ""), options))
    return out
