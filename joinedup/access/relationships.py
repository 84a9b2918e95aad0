"""Legitimate relationships: gathered from the apps that hold the facts, judged by the one written policy.

The access app sits below the domain apps, so it cannot read allocations, records or meetings itself. Each app
registers a *provider* when it starts (casework: allocation, team, front-door duty, service oversight, household,
referral; people: agency record; practice: meeting role; alerts: front-door duty and service oversight for the
children the rules raised alerts about); the access app provides its own (self-claim,
break-glass, case-review commission). `scope_of` asks every provider and answers with the widest scope the policy
(`joinedup.access.policy.RELATIONSHIPS`) gives — or None, and the caller answers 404.

Deny by default: an inactive or role-less viewer has no relationships; a provider that fails counts as giving
nothing (fail closed) and the failure is logged without personal data.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Q

from joinedup.access import policy
from joinedup.access.sealing import is_sealed_for, sealed_person_ids

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Relationship:
    """One reason a viewer may see a person: its kind, where it comes from, and when it started and ends."""

    kind: str
    source: str
    started_at: dt.datetime | dt.date | None = None
    ends_at: dt.datetime | dt.date | None = None

    @property
    def label(self) -> str:
        return policy.Relation.LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class Provider:
    """`for_person(viewer, person_id)` lists relationships to one person; `person_q(viewer)` is a filter on
    people.Person rows (its `pk`) selecting everyone the provider relates the viewer to, or None for nobody."""

    name: str
    kinds: tuple[str, ...]
    for_person: Callable[[object, uuid.UUID], Iterable[Relationship]]
    person_q: Callable[[object], Q | None]


_PROVIDERS: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    """Called from an app's ready(); re-registering a name replaces it (autoreload, tests)."""
    _PROVIDERS[provider.name] = provider


def _kinds_for(viewer) -> set[str]:
    """The relationship kinds that can give this viewer anything at all."""
    return {kind for kind in policy.RELATIONSHIPS if policy.relationship_scope(viewer, kind) is not None}


def _providers_for(viewer) -> list[Provider]:
    kinds = _kinds_for(viewer)
    return [p for p in _PROVIDERS.values() if kinds.intersection(p.kinds)]


_T = TypeVar("_T")
# Within `remembered()`: each viewer's relationships to each person, as first found ({(viewer pk, person id): ...}),
# the scope they give ({("scope", viewer pk, person id): scope}), and the selectors' answers (`kept`, `kept_each`).
_REMEMBERED: contextvars.ContextVar[dict | None] = contextvars.ContextVar("joinedup_relationships", default=None)


@contextlib.contextmanager
def remembered() -> Iterator[None]:
    """Within the block, a viewer's relationships to a person are asked of the providers once: for a page that only
    reads, whose view and selectors each check the same person (the chronology asks six times). Nothing done inside
    may change a relationship (an allocation, a contact, a claim, a meeting, a seal): wrap reads only. A block within
    another shares what the outer one has found (a read that is part of a larger read)."""
    if _REMEMBERED.get() is not None:
        yield
        return
    token = _REMEMBERED.set({})
    try:
        yield
    finally:
        _REMEMBERED.reset(token)


def read_memo() -> dict | None:
    """Within `remembered()`, the dict a page that only reads may keep other answers in for the rest of the page (keys
    begin with the asker's name); outside it, None (ask afresh)."""
    return _REMEMBERED.get()


def kept(key: tuple, compute: Callable[[], _T]) -> _T:
    """`compute()`'s answer, worked out once for the rest of the read within `remembered()` (`key` begins with the
    asker's name) and afresh outside it. Every asker gets the same object: keep immutable answers (tuples)."""
    memo = _REMEMBERED.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def kept_each(name: str, ids: Iterable, compute: Callable[[list], dict]) -> dict:
    """{id: answer} for each of `ids`, where `compute(ids)` answers for every id it is given; within `remembered()`
    each id's answer is kept for the rest of the read under (`name`, id), and only the ids not answered yet are
    asked. Outside it, all are asked afresh."""
    ids = list(ids)
    memo = _REMEMBERED.get()
    if memo is None:
        return compute(ids) if ids else {}
    missing = [i for i in ids if (name, str(i)) not in memo]
    if missing:
        for i, answer in compute(missing).items():
            memo[(name, str(i))] = answer
    return {i: memo[(name, str(i))] for i in ids}


def keep(key: tuple, value: object) -> None:
    """Within `remembered()`, keep an answer a caller found on the way (as `kept` would have worked it out)."""
    memo = _REMEMBERED.get()
    if memo is not None:
        memo[key] = value


def relationships_to(viewer, person_id) -> list[Relationship]:
    """Every relationship the viewer has to the person that gives them something."""
    if not policy._active(viewer) or person_id is None:
        return []
    memo = _REMEMBERED.get()
    key = (viewer.pk, str(person_id))
    if memo is not None and key in memo:
        return list(memo[key])
    found = []
    for provider in _providers_for(viewer):
        try:
            rels = list(provider.for_person(viewer, person_id))
        except Exception:  # fail closed: a provider that cannot answer gives nothing
            log.exception("access provider %s failed; treated as no relationship", provider.name)
            continue
        found.extend(r for r in rels if policy.relationship_scope(viewer, r.kind) is not None)
    if memo is not None:
        memo[key] = tuple(found)
    return found


def scope_of(viewer, person_id) -> str | None:
    """The widest scope the viewer's relationships to the person give, or None (then the answer is 404). A person
    sealed for the viewer gives nothing, whatever the relationship (joinedup.access.sealing)."""
    if person_id is None:
        return None
    memo = _REMEMBERED.get()
    key = ("scope", getattr(viewer, "pk", None), str(person_id))
    if memo is not None and key in memo:
        return memo[key]
    if is_sealed_for(viewer, person_id):
        scope = None
    else:
        scope = policy.widest_scope(policy.relationship_scope(viewer, r.kind) for r in relationships_to(viewer, person_id))
    if memo is not None:
        memo[key] = scope
    return scope


def person_q(viewer, *, scopes: Iterable[str] = (policy.Scope.FULL, policy.Scope.AGENCY)) -> Q | None:
    """A filter on people.Person selecting everyone the viewer has a relationship to of one of `scopes`
    (None: nobody). Search uses it: partners search only within their relationships."""
    if not policy._active(viewer):
        return None
    wanted = set(scopes)
    q = None
    for provider in _providers_for(viewer):
        if not any(policy.relationship_scope(viewer, k) in wanted for k in provider.kinds):
            continue
        try:
            part = provider.person_q(viewer)
        except Exception:
            log.exception("access provider %s failed; treated as no relationship", provider.name)
            continue
        if part is not None:
            q = part if q is None else (q | part)
    if q is not None:  # sealed people are left out of every list and search (joinedup.access.sealing)
        q &= ~Q(pk__in=sealed_person_ids(viewer))
    return q

