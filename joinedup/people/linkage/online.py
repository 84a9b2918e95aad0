"""Online matching of one new mention at ingest, without a Splink run: blocking keys and a Python scorer.

`blocking_keys(row)` gives the strings to store in a database index, one per blocking rule the row has
every column for (e.g. "nhs:9990123456", "dob_family:2019-03-01|SMT"); two rows share a key exactly when
the model's blocking rules would pair them (the rows-of-one-identity exclusion apart). `Scorer(model)`
mirrors the model's comparisons and weights in Python: `score(a, b)` returns the same match probability
Splink's predict gives (tested to 1e-6). `match_person` applies the batch clustering's precision rules to
one new row against candidate persons.

At ingest: `row = prepare.identity_row(mention)` (None: unlinkable — relationship-only, unborn, too
little); look up the persons holding any of `blocking_keys(row)`; score the row against their rows; then
`match_person`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .cluster import (
    REASON_AMBIGUOUS,
    REASON_NHS_KEYING,
    REASON_TWINS,
    REASON_UNCERTAIN,
    group_of,
    identifier_conflict,
    pair_conflict_reason,
    twins_conflict,
)
from .family import different_given, nhs_keying_errors, person_key
from .model import profile_of
from .profiles import PERSON, Profile

M_U_CLAMP_MIN = 1e-300  # as Splink


def blocking_keys(row: Mapping[str, Any], profile: Profile = PERSON) -> list[str]:
    """The row's blocking keys, one per blocking rule whose columns it has (sorted, no duplicates)."""
    return sorted({k for rule in profile.blocking_rules if (k := rule.key(row)) is not None})


class Scorer:
    """A pure-Python mirror of a trained model: comparison levels, weights and probability."""

    def __init__(self, model: Mapping[str, Any]) -> None:
        self.model = model
        self.profile = profile_of(dict(model))
        prior = model["probability_two_random_records_match"]
        self.prior_weight = math.log2(prior / (1 - prior))
        by_name = {c["output_column_name"]: c for c in model["comparisons"]}
        self.weights: list[list[float]] = []
        for comparison in self.profile.comparisons:
            levels = by_name[comparison.name]["comparison_levels"]
            if len(levels) != len(comparison.levels):
                raise ValueError(f"model and profile disagree on the levels of {comparison.name}")
            weights = []
            for level in levels:
                if level.get("is_null_level"):
                    weights.append(0.0)
                else:
                    m = max(level["m_probability"], M_U_CLAMP_MIN)
                    u = max(level["u_probability"], M_U_CLAMP_MIN)
                    weights.append(math.log2(m / u))
            self.weights.append(weights)

    def gammas(self, a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, int]:
        """The comparison vector Splink would compute: gamma per comparison."""
        return {c.name: c.gamma(a, b) for c in self.profile.comparisons}

    def score(self, a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[float, float, dict[str, str]]:
        """(match probability, match weight, summary field → agree/close/disagree/missing) for two rows."""
        weight = self.prior_weight
        summary = {}
        for comparison, weights in zip(self.profile.comparisons, self.weights, strict=True):
            gamma = comparison.gamma(a, b)
            position = 0 if gamma == -1 else len(weights) - 1 - gamma
            weight += weights[position]
            summary[comparison.name] = comparison.levels[position].summary
        # as Splink: 1 / (1 + 2^-w) for w >= 0, else 2^w / (1 + 2^w)
        probability = 1.0 / (1.0 + 2.0 ** (-weight)) if weight >= 0 else 2.0**weight / (1.0 + 2.0**weight)
        return probability, weight, summary


KEYING_ERROR_PROBABILITY = 0.5  # as the batch run: queued for the conflict, not for a score


def _number_owner(row: Mapping[str, Any], candidates: Mapping[Any, list[Mapping[str, Any]]]) -> Any | None:
    """The person whose NHS number this row holds under a different name (`family.nhs_keying_errors`)."""
    if not row.get("nhs") or not row.get("given"):
        return None
    mine = person_key(row)
    if any(r.get("nhs") == row["nhs"] and r.get("given") and not different_given(mine, person_key(r))
           for rows in candidates.values() for r in rows):
        return None  # someone holds the number under this very name: theirs, not a keying error
    for person, rows in candidates.items():
        holding = {f"p{i}": r for i, r in enumerate(rows) if r.get("nhs") == row["nhs"] and r.get("given")}
        if holding and "new" in nhs_keying_errors({**holding, "new": {**row, "mentions": 0}}):  # theirs first
            return person
    return None


@dataclass
class OnlineMatch:
    """The decision for one new row: the person it joins (or None), its best probability, what to review."""

    person: Any | None
    probability: float
    reason: str
    review: list[tuple[Any, float, str]] = field(default_factory=list)  # (person, probability, reason)


def match_person(
    row: Mapping[str, Any],
    candidates: Mapping[Any, Iterable[Mapping[str, Any]]],
    scorer: Scorer,
    *,
    accept: float,
    review_low: float,
) -> OnlineMatch:
    """Decide which person (if any) one new row joins, with the batch clustering's rules.

    `candidates` maps person id → that person's identity rows (found through shared blocking keys; leave
    out rows of the new row's own agency-held identity, which join it anyway). A person is a match when
    one of their rows scores ≥ accept and their identifiers do not conflict with the new row's (the batch
    guard). The row joins only when exactly one person matches; when two or more do it joins none and
    they go to review ("matches more than one person"), as do conflicts and scores in
    [review_low, accept). Stricter than the batch run, which would merge two matching persons whose
    identifiers agree: online, that merge is left to the next batch run or a person. A person one of
    whose rows is the new row's twin (`family.twins`, as in the batch clustering) is neither joined nor
    put to review, whatever the score; when that leaves no match and nothing to review, `reason` says so.
    A row holding a person's NHS number under a different forename (a sibling's number keyed in error) is
    matched without the number, and that person is put to review with the reason.
    """
    candidates = {person: list(rows) for person, rows in candidates.items()}
    review: list[tuple[Any, float, str]] = []
    owner = _number_owner(row, candidates)
    if owner is not None:  # a sibling's NHS number: this row keeps its own identity and is matched without it
        row = {**row, "nhs": None}
        review.append((owner, KEYING_ERROR_PROBABILITY, REASON_NHS_KEYING))
    new = group_of([row])
    twins_seen = False
    matched: list[tuple[float, Any]] = []
    best_overall = 0.0
    for person, rows in candidates.items():
        if person == owner:
            continue
        best, best_row = max(((scorer.score(row, r)[0], r) for r in rows), key=lambda sr: sr[0], default=(0.0, None))
        best_overall = max(best_overall, best)
        if best < review_low:
            continue
        theirs = group_of(rows)
        if twins_conflict(new, theirs):
            twins_seen = True
            continue
        if best >= accept:
            conflict = identifier_conflict(new, theirs)
            if conflict is None:
                matched.append((best, person))
            else:
                review.append((person, best, pair_conflict_reason(conflict, row, best_row)))
        else:
            review.append((person, best, REASON_UNCERTAIN))
    matched.sort(key=lambda m: (-m[0], str(m[1])))
    if len(matched) == 1:
        return OnlineMatch(matched[0][1], matched[0][0], "match", review)
    if len(matched) > 1:
        review = [(p, pr, REASON_AMBIGUOUS) for pr, p in matched] + review
        return OnlineMatch(None, matched[0][0], REASON_AMBIGUOUS, review)
    if review:
        return OnlineMatch(None, best_overall, "review", review)
    return OnlineMatch(None, best_overall, REASON_TWINS if twins_seen else "no match", review)
