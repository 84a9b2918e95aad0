"""The state shared by every event generator while one authority is simulated."""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import NoiseConfig, RateConfig, SimulationConfig
from .population import Household, Person, World
from .practice_file import PracticeLog
from .records import Emitter, Mention
from .staff import Staff


@dataclass
class Context:
    """Configuration, the world, the record emitter and truth tables being filled."""

    config: SimulationConfig
    world: World
    emit: Emitter
    csc_episodes: list[str] = field(default_factory=list)
    harm_rows: list[str] = field(default_factory=list)
    evidence_rows: list[str] = field(default_factory=list)
    cp_spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # child: child protection plans
    referrals: int = 0
    csc_cases: int = 0  # children's-services episodes so far (the family episode number in case ids)
    # for the statutory returns (csc_returns): a child's latest case that went beyond the referral (its day), the
    # permanence a period of care ended in (code, day), the day a looked-after young woman had her first child
    further_action: dict[str, int] = field(default_factory=dict)
    permanence: dict[str, tuple[str, int]] = field(default_factory=dict)
    mothers: dict[str, int] = field(default_factory=dict)
    staff: Staff = field(init=False)  # social workers and their managers
    practice: PracticeLog = field(init=False)  # what the practice file will hold

    def on_cp_plan(self, person_id: str, day: int) -> bool:
        """Whether the child is on a child protection plan on the day (as children's services recorded it)."""
        return any(s <= day < e for s, e in self.cp_spans.get(person_id, ()))

    def __post_init__(self) -> None:
        self.staff = Staff(self.config)
        self.practice = PracticeLog(self.world.start, self.world.end)

    @property
    def rates(self) -> RateConfig:
        """Event rates in force."""
        return self.config.rates

    @property
    def noise(self) -> NoiseConfig:
        """Identity noise in force."""
        return self.config.noise

    @property
    def start(self) -> int:
        """First day of the simulated period (ordinal)."""
        return self.world.start

    @property
    def end(self) -> int:
        """Day after the simulated period (ordinal)."""
        return self.world.end


def carers(hh: Household, day: int, declared_only: bool = True) -> list[Mention]:
    """The mother and any resident partner as carers (hidden partners only when declared_only is False)."""
    out: list[Mention] = []
    for p in hh.residents_at(day):
        if p.role == "mother":
            out.append((p, "carer", {"relationship": "mother"}))
        elif p.role == "partner" and not (declared_only and p.hidden):
            out.append((p, "carer", {"relationship": "mother's partner", "label": "partner"}))
    return out


def child_mentions(children: list[Person]) -> list[Mention]:
    """Children as subjects of a record."""
    return [(c, "subject", {}) for c in children]
