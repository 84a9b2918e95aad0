"""`manage.py simulate`: generate a simulated Northbrook (agency feeds plus ground truth) into a folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from joinedup_lab.simulate.generate import SimulationConfig, generate


class Command(BaseCommand):
    """Writes what fifteen-plus agencies of one simulated authority would send, with the truth behind it."""

    help = "Simulate a local authority's agency records with ground truth (deterministic for a seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        """Size, period, seed, output folder and the most useful rate and noise overrides."""
        parser.add_argument("--children", type=int, default=5000, help="children at the start (default 5000)")
        parser.add_argument("--years", type=int, default=3, help="years simulated (default 3)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--out", type=Path, required=True, help="output folder")
        parser.add_argument(
            "--start",
            type=date.fromisoformat,
            default=date(2023, 4, 1),
            help="first day of the period (default 2023-04-01)",
        )
        parser.add_argument(
            "--noise-scale",
            type=float,
            default=1.0,
            help="multiply every identity-noise rate (0 = exact identifiers)",
        )
        parser.add_argument(
            "--harm-per-10k",
            type=float,
            default=None,
            help="children per 10,000 given a harm trajectory (default 25)",
        )
        parser.add_argument(
            "--referrals-per-10k",
            type=float,
            default=None,
            help="referral hazard per 10,000 children a year (default 585)",
        )
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args: Any, **opts: Any) -> None:
        """Runs the simulator and prints a one-line summary."""
        config = SimulationConfig(
            children=opts["children"], years=opts["years"], seed=opts["seed"], start=opts["start"]
        )
        config = config.with_noise(scale=opts["noise_scale"])
        if opts["harm_per_10k"] is not None:
            config = config.with_rates(harm_children_per_10k=opts["harm_per_10k"])
        if opts["referrals_per_10k"] is not None:
            config = config.with_rates(referral_per_child_year=opts["referrals_per_10k"] / 10000)
        summary = generate(config, opts["out"], progress=not opts["no_progress"])
        self.stdout.write(summary.line())
