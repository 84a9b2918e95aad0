"""What one viewer sees of each chronology entry: the field groups they may not see restricted (security promise 1).

The groups, what they cover and who may see them are the access policy's (`joinedup.access.policy.FIELD_GROUPS`).
An entry wholly in a group the viewer may not see keeps its agency, kind, dates and the person's role, and says
"Restricted: <group> — ask <whom>" in place of its summary; its text, detail and injury are gone. A group's detail
key (e.g. `mental_health` on a police incident) is taken out of the detail and the summary, which then ends with
the note. Protected values (a placement postcode) never reach an entry's detail or summary for anyone
(`events.PROTECTED_DETAIL_KEYS`); `restricted_payload` does the same for a record page, and takes a protected
address's lines and postcode out of every mention.

A sealed person (adoption: joinedup.access.sealing) is never named in free text either: wherever an entry's summary,
text, injury explanation or detail — or a record page's detail — writes the name of someone sealed for the viewer
(their full name, or their given name, as any agency recorded it), it reads SEALED_NAME instead. The names are read
once per viewer (`Judge.redact`); family names alone are left, since a sibling shares them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from joinedup.access.policy import FIELD_GROUPS, PLACEMENT_ADDRESS, may_see_field_group, record_field_groups
from joinedup.chronology.events import PROTECTED_DETAIL_KEYS, Event, summarise

SEALED_NAME = "[name restricted]"
# Words agencies write in a name field that are not anyone's name ("Baby Smith" before naming): never blanked alone.
_NOT_NAMES = frozenset({"baby", "unborn", "child", "infant", "twin", "unknown", "boy", "girl"})


def sealed_names_pattern(viewer) -> re.Pattern | None:
    """A pattern matching the names of everyone sealed for the viewer — full names first, then given names alone —
    as joinedup and every agency recorded them (None when nobody is sealed for them)."""
    from joinedup.access.sealing import sealed_person_ids
    from joinedup.ingest.models import Mention
    from joinedup.people.models import Person

    sealed = sealed_person_ids(viewer)
    names: set[tuple[str, str]] = set(Person.objects.filter(pk__in=sealed).values_list("given_name", "family_name"))
    names |= set(Mention.objects.filter(link__person_id__in=sealed).values_list("given_name", "family_name"))
    full = {f"{g} {f}".strip() for g, f in names if g and f}
    given = {g.strip() for g, _f in names if g and len(g.strip()) > 1 and g.strip().lower() not in _NOT_NAMES}
    alternatives = sorted({n for n in full | given if n}, key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in alternatives) + r")(?!\w)",
                      re.IGNORECASE)


class Judge:
    """Remembers, for one viewer, which groups of which agency's records they may see, and whose names are sealed."""

    def __init__(self, viewer):
        self.viewer = viewer
        self._seen: dict[tuple[str, str], bool] = {}
        self._sealed: re.Pattern | bool | None = False  # False: not read yet

    def sealed_pattern(self) -> re.Pattern | None:
        if self._sealed is False:
            self._sealed = sealed_names_pattern(self.viewer)
        return self._sealed

    def redact(self, value: Any) -> Any:
        """The value with every sealed person's name replaced (strings, and strings in lists and dicts)."""
        pattern = self.sealed_pattern()
        if pattern is None:
            return value
        if isinstance(value, str):
            return pattern.sub(SEALED_NAME, value)
        if isinstance(value, list):
            return [self.redact(v) for v in value]
        if isinstance(value, dict):
            return {k: self.redact(v) for k, v in value.items()}
        return value

    def may_see(self, group: str, agency_code: str) -> bool:
        key = (group, agency_code)
        if key not in self._seen:
            self._seen[key] = may_see_field_group(self.viewer, group, record_agency_code=agency_code)
        return self._seen[key]

    def hidden(self, detail: Mapping[str, Any], agency_code: str) -> tuple[str, dict[str, str]]:
        """(the note when the whole record is hidden, else ""; {detail key: note} for keys hidden on their own)."""
        whole, keys = record_field_groups(detail)
        notes = [FIELD_GROUPS[g].note for g in whole if not self.may_see(g, agency_code)]
        if notes:
            return "; ".join(dict.fromkeys(notes)), {}
        return "", {key: FIELD_GROUPS[g].note for key, g in keys if not self.may_see(g, agency_code)}


def restrict_event(e: Event, judge: Judge) -> Event:
    """The entry as the judge's viewer may see it (the same object when nothing is hidden), sealed names replaced."""
    shown = _restrict_groups(e, judge)
    if judge.sealed_pattern() is None:
        return shown
    injuries = tuple(replace(i, explanation=judge.redact(i.explanation)) for i in shown.injuries)
    redacted = replace(shown, summary=judge.redact(shown.summary), text=judge.redact(shown.text),
                       detail=judge.redact(shown.detail), injuries=injuries,
                       injury=(replace(shown.injury, explanation=judge.redact(shown.injury.explanation))
                               if shown.injury is not None else None))
    return shown if redacted == shown else redacted


def _restrict_groups(e: Event, judge: Judge) -> Event:
    whole, keys = judge.hidden(e.detail, e.agency_code)
    protected = e.protected if judge.may_see(PLACEMENT_ADDRESS, "") else {}
    if whole:
        return replace(e, summary=whole, text="", injury=None, detail={}, protected={}, restricted=whole)
    if keys:
        detail = {k: v for k, v in e.detail.items() if k not in keys}
        note = "; ".join(dict.fromkeys(keys.values()))
        return replace(e, detail=detail, summary=f"{summarise(e.kind, detail)} ({note})", protected=protected,
                       restricted=note)
    if protected is not e.protected:
        return replace(e, protected=protected)
    return e


def restrict_events(events: Iterable[Event], *, viewer) -> list[Event]:
    """Every entry as this viewer may see it, in the same order."""
    judge = Judge(viewer)
    return [restrict_event(e, judge) for e in events]


def restricted_payload(payload: Mapping[str, Any], *, viewer, agency_code: str, judge: Judge | None = None) -> dict:
    """A record's payload as a record page (or the API) shows it to this viewer: groups they may not see replaced
    by their note, protected detail by "Protected", and protected addresses reduced to the fact."""
    judge = judge or Judge(viewer)
    detail = dict(payload.get("detail") or {})
    whole, keys = judge.hidden(detail, agency_code)
    if whole:
        shown: dict[str, Any] = {"restricted": whole}
    else:
        shown = judge.redact({k: keys.get(k, "Protected" if k in PROTECTED_DETAIL_KEYS else v)
                              for k, v in detail.items()})
    mentions = []
    for m in payload.get("mentions") or []:
        address = m.get("address")
        if isinstance(address, Mapping) and address.get("protected"):
            m = {**m, "address": {"lines": [], "protected": True}}
        mentions.append(m)
    return {**payload, "detail": shown, "mentions": mentions}
