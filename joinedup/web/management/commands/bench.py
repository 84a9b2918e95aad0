"""`joinedup bench <name> …`: speed and quality benchmarks; the last line printed is one JSON object.

Each benchmark lives with the code it measures; this command only parses arguments and prints:
`simulate` (joinedup.simulate.bench), `ingest` (joinedup.ingest.bench), `linkage`
(joinedup.simulate.bench_linkage, which needs the simulator for its data) and `match`
(joinedup.simulate.bench_match, which draws names from the simulator).
"""

import json

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a benchmark. Figures belong in docs/benchmarks.md with the machine and date."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="name", required=True)
        json_help = "Accepted for symmetry; the last line is always JSON."

        sim = sub.add_parser("simulate", help="Time the simulated local authority and measure its peak memory.")
        sim.add_argument("--children", type=int, default=70000)
        sim.add_argument("--years", type=int, default=3)
        sim.add_argument("--seed", type=int, default=1)
        sim.add_argument("--json", action="store_true", help=json_help)

        ing = sub.add_parser("ingest", help="File ingest speed into SQLite and PostgreSQL (records a second).")
        ing.add_argument("--records", type=int, default=100000)
        ing.add_argument("--seed", type=int, default=1)
        ing.add_argument(
            "--postgres-url",
            default=None,
            help="An empty PostgreSQL database to use; by default a throwaway cluster is started if PostgreSQL is installed.",
        )
        ing.add_argument("--json", action="store_true", help=json_help)

        link = sub.add_parser("linkage", help="Identity resolution quality and speed (pairwise precision, recall, F1).")
        link.add_argument("--dataset", choices=["febrl4", "simulated"], default="febrl4")
        link.add_argument("--children", type=int, default=None, help="Simulated authority size (simulated dataset).")
        link.add_argument("--mentions", type=int, default=None, help="Link this many mentions (simulated dataset).")
        link.add_argument("--seed", type=int, default=1)
        link.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
        link.add_argument("--json", action="store_true", help=json_help)

        match = sub.add_parser("match", help="Online matching latency for one new mention against N persons.")
        match.add_argument("--persons", type=int, default=1000000)
        match.add_argument("--samples", type=int, default=1000)
        match.add_argument("--seed", type=int, default=1)
        match.add_argument("--json", action="store_true", help=json_help)

    def handle(self, *args, name, **options):
        if name == "simulate":
            from joinedup.simulate import bench as simulate_bench

            self.stderr.write(f"Simulating {options['children']:,} children over {options['years']} years…")
            result = simulate_bench.run(options["children"], options["years"], options["seed"], None)
        elif name == "ingest":
            from joinedup.ingest import bench as ingest_bench

            result = ingest_bench.run(
                records=options["records"], seed=options["seed"], postgres_url=options["postgres_url"], out=self.stderr
            )
        elif name == "linkage":
            from joinedup.simulate import bench_linkage

            result = bench_linkage.run(
                dataset=options["dataset"],
                children=options["children"],
                mentions=options["mentions"],
                seed=options["seed"],
                engine=options["engine"],
                out=self.stderr,
            )
        else:
            from joinedup.simulate import bench_match

            result = bench_match.run(
                persons=options["persons"], samples=options["samples"], seed=options["seed"], out=self.stderr
            )
        self.stdout.write(json.dumps(result, sort_keys=True))
