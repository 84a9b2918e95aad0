"""The simulated children's services staff: social workers in teams, each team with a manager, and when each
worker is supervised.

Every family episode is allocated to one worker for its whole course (the simulator does not reallocate). A
worker is supervised by their team manager about every four weeks, on a schedule of their own (so every child
of theirs discussed in one session carries the same `session_id`); a few sessions are missed. Names are drawn
from the simulator's own name lists and appear only in the feed's supervision actions ("<due> | <owner> |
<what>"), as a case system would write them; the practice file names staff by role and a staff reference.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date

from . import workdays as wd
from .config import SimulationConfig
from .names import given_for, surname
from .streams import stream

CHILDREN_PER_WORKER = 450  # authority children per social worker (about 15 open cases each)
TEAM_SIZE = 6
SESSION_EVERY = 28
EPOCH = date(2000, 1, 3).toordinal()  # a Monday: supervision schedules count four-week cycles from it
JOINEDUP_WORKER = "SW01"  # the worker whose supervision is recorded in joinedup for the last months


@dataclass(frozen=True)
class Worker:
    ref: str
    name: str
    team: int
    index: int


@dataclass(frozen=True)
class Manager:
    ref: str
    name: str
    team: int


class Staff:
    """The roster of one simulated authority and each worker's supervision schedule."""

    def __init__(self, config: SimulationConfig) -> None:
        rng = stream(config.seed, "staff")
        n = max(TEAM_SIZE, round(config.children / CHILDREN_PER_WORKER))
        teams = math.ceil(n / TEAM_SIZE)

        def name() -> str:
            return f"{given_for(rng, rng.choice(('female', 'female', 'male')))} {surname(rng)}"

        self.managers = [Manager(f"TM{t + 1}", name(), t) for t in range(teams)]
        self.workers = [Worker(f"SW{i + 1:02d}", name(), i % teams, i) for i in range(n)]
        self.seed = config.seed
        self.missed = config.rates.supervision_missed
        self._sessions: dict[tuple[int, int], int | None] = {}

    def allocate(self, rng: random.Random) -> Worker:
        """The worker a new family episode is allocated to."""
        return rng.choice(self.workers)

    def manager_of(self, worker: Worker) -> Manager:
        return self.managers[worker.team]

    def _session(self, worker: Worker, k: int) -> int | None:
        """The day of a worker's k-th four-weekly supervision (None: missed)."""
        key = (worker.index, k)
        if key not in self._sessions:
            rng = stream(self.seed, "supervision", worker.index, k)
            day = EPOCH + (worker.index * 3) % SESSION_EVERY + k * SESSION_EVERY + rng.randint(0, 4)
            self._sessions[key] = None if rng.random() < self.missed else wd.on_or_after(day)
        return self._sessions[key]

    def sessions(self, worker: Worker, start: int, end: int) -> list[int]:
        """The days in [start, end) the worker was supervised."""
        first = (start - EPOCH) // SESSION_EVERY - 1
        last = (end - EPOCH) // SESSION_EVERY + 1
        days = (self._session(worker, k) for k in range(first, last + 1))
        return [d for d in days if d is not None and start <= d < end]
