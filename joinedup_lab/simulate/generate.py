"""Entry point: simulate one authority (people, households, fifteen-plus agencies, harm) and write it out."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import csc_annex_a
from .community import simulate_housing, simulate_police, simulate_schools
from .config import NoiseConfig, RateConfig, SimulationConfig
from .context import Context
from .csc import simulate_csc
from .everyday import simulate_hardship
from .harm import emit_harm
from .health import simulate_health
from .population import Household, World, build_household
from .practice_file import partnership_meetings, write_practice
from .records import Emitter
from .sensitive import simulate_sensitive
from .streams import age_on, iso, stream
from .writers import TRUTH_README, address_rows, person_rows, trap_rows, write_agencies, write_lines

__all__ = ["NoiseConfig", "RateConfig", "SimulationConfig", "Summary", "generate"]


@dataclass
class Summary:
    """What was generated: sizes and headline counts (no timings, so it is deterministic too)."""

    children: int
    years: int
    seed: int
    households: int
    persons: int
    records: int
    referrals: int
    referrals_per_month: float
    harm_episodes: int
    records_by_agency: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        """A one-line human summary."""
        return (
            f"Northbrook: {self.children} children, {self.households} households, {self.persons} people, "
            f"{self.records} records across {len(self.records_by_agency)} agencies, "
            f"{self.referrals_per_month:.0f} referrals a month, {self.harm_episodes} harm episodes "
            f"({self.years} years from seed {self.seed})"
        )


def generate(config: SimulationConfig, out_dir: Path | str, progress: bool = True) -> Summary:
    """Simulates an authority from a config into out_dir (created if needed); same config, same bytes."""
    out = Path(out_dir)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    world = World(config, stream(config.seed, "world"))
    ctx = Context(config, world, Emitter(config, world.start, world.end))
    households: list[Household] = []
    counted = 0
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=config.children, unit="child", desc="simulating Northbrook", leave=False)
    index = 0
    held_at_csc: dict[str, dict] = {}  # what children's services holds of each household's people (csc_annex_a)
    while counted < config.children:
        index += 1
        rng = stream(config.seed, "household", index)
        hh = build_household(world, rng, index)
        ctx.emit.start_household(
            stream(config.seed, "trap-noise", index),
            stream(config.seed, "trap-records", index),
            stream(config.seed, "trap-given", index),
        )
        simulate_csc(ctx, rng, hh)
        simulate_health(ctx, rng, hh)
        simulate_police(ctx, rng, hh)
        simulate_housing(ctx, rng, hh)
        simulate_schools(ctx, rng, hh)
        emit_harm(ctx, rng, hh)
        simulate_hardship(ctx, stream(config.seed, "hardship-records", index), hh)
        simulate_sensitive(ctx, stream(config.seed, "sensitive", index), hh)  # last: no other record changes
        held_at_csc[hh.hid] = csc_annex_a.held_at_csc(ctx.emit)  # read only
        households.append(hh)
        n = sum(1 for c in hh.children() if c.dob <= world.start and age_on(c.dob, world.start) < 18)
        counted += n
        if bar is not None:
            bar.update(n)
    if bar is not None:
        bar.close()
    placed_for_adoption = csc_annex_a.adoptions(ctx.emit)  # read from the feed before it is written
    counts = write_agencies(out, ctx.emit)
    rates = config.rates
    partnership_meetings(stream(config.seed, "partnership"), ctx.practice, rates.meeting_dissent, rates.dissent_escalated)
    write_practice(out, ctx.practice)
    persons, spells = person_rows(households)
    t = out / "truth"
    write_lines(
        t / "persons.csv",
        "person_id,given_name,family_name,previous_family_name,sex,dob,nhs_number,upn,"
        "role,hidden_adult,born,household_id\n",
        persons,
    )
    write_lines(t / "households.csv", "household_id,person_id,address_id,from_on,to_on\n", spells)
    write_lines(t / "addresses.csv", "address_id,line_1,line_2,postcode,uprn,kind\n", address_rows(world))
    write_lines(t / "mentions.csv", "agency_id,source_record_id,mention_id,person_id\n", ctx.emit.truth)
    write_lines(t / "traps.csv", "trap,person_id,agency_id,local_person_id,detail\n",
                trap_rows(households) + ctx.emit.trap_rows)
    write_lines(t / "csc_episodes.csv", "person_id,kind,start_on,end_on,detail\n", ctx.csc_episodes)
    write_lines(
        t / "harm_episodes.csv",
        "episode_id,person_id,kind,onset_on,outcome_on,outcome,hidden_adult_person_id,household_id\n",
        ctx.harm_rows,
    )
    write_lines(t / "harm_evidence.csv", "episode_id,agency_id,source_record_id\n", ctx.evidence_rows)
    (t / "README.md").write_text(TRUTH_README, encoding="utf-8")
    # Last, after every feed and truth file is written and into a folder of its own: early help assessments and
    # adopters (Annex A lists 2 and 11), so that nothing written above moves (csc_annex_a's docstring).
    annex = csc_annex_a.write(out, ctx, households, held_at_csc, placed_for_adoption)
    months = 12 * config.years
    summary = Summary(
        config.children,
        config.years,
        config.seed,
        len(households),
        len(persons),
        sum(counts.values()),
        ctx.referrals,
        round(ctx.referrals / months, 1),
        len(ctx.harm_rows),
        dict(sorted(counts.items())),
    )
    manifest = {
        "format": "joinedup_lab.simulated-authority/1",
        "authority": "Northbrook",
        "config": config.as_dict(),
        "summary": asdict(summary),
        "practice": {"from": iso(ctx.practice.cut), "to": iso(ctx.practice.end - 1), **ctx.practice.counts()},
        csc_annex_a.FOLDER: {"records": annex.records, "early_help_assessments": annex.early_help,
                             "adopters": annex.adopters},
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return summary
