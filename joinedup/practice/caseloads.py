"""A worker's caseload, weighted by the kind of case, against their limit. Pure: no database.

A child counts once, for the worker they are allocated to now, while their case at the authority is open;
its weight is the weight of the case's stage (`JOINEDUP_PRACTICE["caseload_weights"]`, e.g. 1.5 for a child
on a child protection plan or looked after, 0.5 for a referral), or `caseload_weight_other` for a stage the
setting does not name. The limit is the worker's own (`User.caseload_limit`) when set, else the deployment's
(`caseload_limit`, 18). Past the limit means strictly more than it: a worker at exactly 18 of 18 is full, not
over, and may still be allocated a child whose weight is 0 (a child without an open case).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from joinedup.practice.settings import PracticeSettings


def weigh(children_by_stage: Mapping[str, int], policy: PracticeSettings) -> float:
    """The weighted caseload of children counted by the stage of their open case."""
    return round(sum(policy.weight(stage) * n for stage, n in children_by_stage.items()), 2)


@dataclass(frozen=True)
class Caseload:
    """One worker's allocated children with an open case, weighted, against their limit."""

    worker: object
    by_stage: dict[str, int] = field(default_factory=dict)
    weighted: float = 0.0
    limit: float = 0.0
    own_limit: bool = False  # the worker's own limit, not the deployment's

    @property
    def children(self) -> int:
        return sum(self.by_stage.values())

    @property
    def over_limit(self) -> bool:
        return self.weighted > self.limit

    @property
    def room(self) -> float:
        """Weight the worker can still take before passing the limit (negative when over)."""
        return round(self.limit - self.weighted, 2)

    @property
    def percent(self) -> int:
        return round(100 * self.weighted / self.limit) if self.limit > 0 else 0

    def with_child(self, stage: str | None, policy: PracticeSettings) -> Caseload:
        """The caseload once one more child (in an open case at `stage`; None: no open case) is allocated."""
        if stage is None:
            return self
        by_stage = dict(self.by_stage)
        by_stage[stage] = by_stage.get(stage, 0) + 1
        return caseload_of(self.worker, by_stage, policy)


def caseload_of(worker, children_by_stage: Mapping[str, int], policy: PracticeSettings) -> Caseload:
    own = getattr(worker, "caseload_limit", None)
    return Caseload(worker=worker, by_stage=dict(children_by_stage), weighted=weigh(children_by_stage, policy),
                    limit=policy.caseload_limit_for(worker), own_limit=own is not None)


@dataclass(frozen=True)
class AllocationCheck:
    """What allocating one child to a worker would do to the worker's caseload."""

    before: Caseload
    after: Caseload
    child_weight: float
    already_theirs: bool

    @property
    def passes_limit(self) -> bool:
        """Allocating would take the worker past their limit (ask for confirmation, do not refuse)."""
        return not self.already_theirs and self.after.over_limit

    def sentence(self, name: str) -> str:
        return (f"{name}'s weighted caseload would be {self.after.weighted:g}, over their limit of "
                f"{self.after.limit:g} (it is {self.before.weighted:g} now; this child weighs "
                f"{self.child_weight:g}).")


def allocation_check(before: Caseload, stage: str | None, policy: PracticeSettings, *,
                     already_theirs: bool) -> AllocationCheck:
    """Allocating a child whose open case is at `stage` (None: no open case, weight 0) to `before.worker`."""
    weight = 0.0 if stage is None else policy.weight(stage)
    after = before if already_theirs else before.with_child(stage, policy)
    return AllocationCheck(before=before, after=after, child_weight=weight, already_theirs=already_theirs)
