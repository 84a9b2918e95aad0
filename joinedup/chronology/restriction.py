"""What one viewer sees of each chronology entry: the field groups they may not see restricted (security promise 1).

The groups, what they cover and who may see them are the access policy's (`joinedup.access.policy.FIELD_GROUPS`).
An entry wholly in a group the viewer may not see keeps its agency, kind, dates and the person's role, and says
"Restricted: <group> — ask <whom>" in place of its summary; its text, detail and injury are gone. A group's detail
key (e.g. `mental_health` on a police incident) is taken out of the detail and the summary, which then ends with
the note. Protected values (a placement postcode) never reach an entry's detail or summary for anyone
(`events.PROTECTED_DETAIL_KEYS`); `restricted_payload` does the same for a record page, and takes a protected
address's lines and postcode out of every mention. Pure: no database (the viewer's agency is already loaded).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from joinedup.access.policy import FIELD_GROUPS, PLACEMENT_ADDRESS, may_see_field_group, record_field_groups
from joinedup.chronology.events import PROTECTED_DETAIL_KEYS, Event, summarise


class Judge:
    """Remembers, for one viewer, which groups of which agency's records they may see."""

    def __init__(self, viewer):
        self.viewer = viewer
        self._seen: dict[tuple[str, str], bool] = {}

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
    """The entry as the judge's viewer may see it (the same object when nothing is hidden)."""
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
        shown = {k: keys.get(k, "Protected" if k in PROTECTED_DETAIL_KEYS else v) for k, v in detail.items()}
    mentions = []
    for m in payload.get("mentions") or []:
        address = m.get("address")
        if isinstance(address, Mapping) and address.get("protected"):
            m = {**m, "address": {"lines": [], "protected": True}}
        mentions.append(m)
    return {**payload, "detail": shown, "mentions": mentions}
