"""`joinedup bench <name> …`: speed and quality benchmarks; the last line printed is one JSON object."""

import json

from django.core.management.base import BaseCommand

from joinedup.simulate import bench as simulate_bench


class Command(BaseCommand):
    help = "Run a benchmark. Figures belong in docs/benchmarks.md with the machine and date."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="name", required=True)
        sim = sub.add_parser("simulate", help="Time the simulated local authority and measure its peak memory.")
        sim.add_argument("--children", type=int, default=70000)
        sim.add_argument("--years", type=int, default=3)
        sim.add_argument("--seed", type=int, default=1)
        sim.add_argument("--json", action="store_true", help="Accepted for symmetry; the last line is always JSON.")

    def handle(self, *args, name, **options):
        if name == "simulate":
            self.stderr.write(f"Simulating {options['children']:,} children over {options['years']} years…")
            result = simulate_bench.run(options["children"], options["years"], options["seed"], None)
        self.stdout.write(json.dumps(result, sort_keys=True))
