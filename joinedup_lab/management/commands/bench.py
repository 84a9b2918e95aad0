"""`joinedup bench <name> …`: speed and quality benchmarks; the last line printed is one JSON object.

Each benchmark lives with the code it measures; this command only parses arguments and prints:
`simulate` (joinedup_lab.benches.simulate), `ingest` (joinedup_lab.benches.ingest), `linkage`
(joinedup_lab.benches.linkage, which needs the simulator for its data) and `match`
(joinedup_lab.benches.match, which draws names from the simulator), `chronology`
(joinedup_lab.benches.chronology), `frontdoor` (joinedup_lab.benches.frontdoor), `contact-time` (joinedup_lab.benches.contact_time,
a browser script), `dashboard` (joinedup_lab.benches.dashboard), `visit-time` (joinedup_lab.benches.visit_time, a browser
script on a phone-sized screen), `access` (joinedup_lab.benches.access: leaks and audit coverage). `alerts` (joinedup_lab.benches.alerts; this command hands it the simulator, which alerts may not import). `returns`
(joinedup_lab.benches.returns: the three statutory returns' time and peak memory). `crash` (joinedup_lab.benches.crash:
acknowledged records after the server, PostgreSQL or a file ingest is killed with SIGKILL), `arrival`
(joinedup_lab.benches.arrival: records through the API and the worker at a steady rate, request and alert latency),
`load` (joinedup_lab.benches.load: 50 people signed in at once, each doing what their role does; per route latency).
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
        link.add_argument("--dataset", choices=["febrl4", "simulated", "folder"], default="febrl4")
        link.add_argument("--folder", default=None,
                          help="With --dataset folder: an authority on disk (agencies/*/records.jsonl and "
                               "truth/mentions.csv), e.g. records from another generator held back from tuning.")
        link.add_argument("--children", type=int, default=None, help="Simulated authority size (simulated dataset).")
        link.add_argument("--mentions", type=int, default=None, help="Link this many mentions (simulated dataset).")
        link.add_argument("--seed", type=int, default=1)
        link.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
        link.add_argument("--without", default="",
                          help="Mention fields to take away from every mention, comma-separated (e.g. nhs_number): "
                               "linkage on records that cannot teach the whole model, with the default model's "
                               "figures beside it as the baseline.")
        link.add_argument("--json", action="store_true", help=json_help)

        match = sub.add_parser("match", help="Online matching latency for one new mention against N persons.")
        match.add_argument("--persons", type=int, default=1000000)
        match.add_argument("--samples", type=int, default=1000)
        match.add_argument("--seed", type=int, default=1)
        match.add_argument("--json", action="store_true", help=json_help)

        chron = sub.add_parser("chronology", help="Chronology page server time and size for a child with 1,000 events.")
        chron.add_argument("--events", type=int, default=1000)
        chron.add_argument("--agencies", type=int, default=12)
        chron.add_argument("--household", type=int, default=8, help="People in the household, the child included.")
        chron.add_argument("--samples", type=int, default=50, help="Timed GETs of each view after a warm-up of 3.")
        chron.add_argument("--seed", type=int, default=1)
        chron.add_argument("--postgres-url", default=None,
                           help="An empty PostgreSQL database to use; by default a throwaway cluster is started.")
        chron.add_argument("--sqlite-only", action="store_true", help="Skip PostgreSQL.")
        chron.add_argument("--here", action="store_true",
                           help="Build and measure in DATABASE_URL's database (migrated, empty); used by the bench itself.")
        chron.add_argument("--json", action="store_true", help=json_help)

        alerts = sub.add_parser("alerts", help="Replay a simulated authority through the alert rules beside the any-record "
                                               "and any-injury baselines (detection, lead, PPV, burden).")
        alerts.add_argument("--children", type=int, default=20000)
        alerts.add_argument("--years", type=int, default=3)
        alerts.add_argument("--seed", type=int, default=1,
                            help="Tuning uses seeds below 7001; evaluations are reported on the hold-out seeds 7001–7010 "
                                 "(docs/alerts.md).")
        alerts.add_argument("--harm-per-10k", type=float, default=None, help="Children per 10,000 given a harm trajectory.")
        alerts.add_argument("--json", action="store_true", help=json_help)

        front = sub.add_parser("frontdoor", help="Front-door queue server time with open contacts in a large authority.")
        front.add_argument("--children", type=int, default=70000)
        front.add_argument("--open-contacts", type=int, default=2000)
        front.add_argument("--samples", type=int, default=50, help="Timed GETs of the queue after a warm-up of 3.")
        front.add_argument("--seed", type=int, default=1)
        front.add_argument("--postgres-url", default=None,
                           help="An empty PostgreSQL database to use; by default a throwaway cluster is started.")
        front.add_argument("--sqlite-only", action="store_true", help="Skip PostgreSQL.")
        front.add_argument("--here", action="store_true",
                           help="Build and measure in DATABASE_URL's database (migrated, empty); used by the bench itself.")
        front.add_argument("--json", action="store_true", help=json_help)

        dash = sub.add_parser("dashboard", help="Head-of-service dashboard server time in a large authority.")
        dash.add_argument("--children", type=int, default=70000)
        dash.add_argument("--samples", type=int, default=30, help="Timed GETs after a warm-up of 3.")
        dash.add_argument("--seed", type=int, default=1)
        dash.add_argument("--postgres-url", default=None,
                          help="An empty PostgreSQL database to use; by default a throwaway cluster is started.")
        dash.add_argument("--sqlite-only", action="store_true", help="Skip PostgreSQL.")
        dash.add_argument("--here", action="store_true",
                          help="Build and measure in DATABASE_URL's database (migrated, empty); used by the bench itself.")
        dash.add_argument("--json", action="store_true", help=json_help)

        vtime = sub.add_parser("visit-time", help="A browser script on a phone-sized screen records a visit: required "
                                                  "fields, keystrokes and seconds.")
        vtime.add_argument("--json", action="store_true", help=json_help)

        acc = sub.add_parser("access", help="Generated access attempts on every person page, export and the API: "
                                            "leaks (must be 0) and audit rows naming everyone shown (must be 100%).")
        acc.add_argument("--families", type=int, default=60)
        acc.add_argument("--attempts", type=int, default=10000)
        acc.add_argument("--seed", type=int, default=1)
        acc.add_argument("--postgresql", action="store_true", help="Also on a throwaway PostgreSQL (or --postgres-url).")
        acc.add_argument("--postgres-url", default=None)
        acc.add_argument("--here", action="store_true",
                         help="Build and measure in DATABASE_URL's database (migrated, empty); used by the bench itself.")
        acc.add_argument("--json", action="store_true", help=json_help)

        ret = sub.add_parser("returns", help="Produce the three statutory returns (CIN census, SSDA903, Annex A) for a "
                                             "large authority: seconds and peak memory of producing them.")
        ret.add_argument("--children", type=int, default=70000)
        ret.add_argument("--years", type=int, default=3, help="Years of children's social care records.")
        ret.add_argument("--seed", type=int, default=1)
        ret.add_argument("--postgresql", action="store_true", help="Also on a throwaway PostgreSQL (or --postgres-url).")
        ret.add_argument("--postgres-url", default=None)
        ret.add_argument("--here", action="store_true",
                         help="Build and measure in DATABASE_URL's database (migrated, empty); used by the bench itself.")
        ret.add_argument("--produce", choices=["cin", "903", "annex-a"], default=None,
                         help="With --here: produce only this return from the database as it is (a fresh process per "
                              "return, so its peak memory is the return's); used by the bench itself.")
        ret.add_argument("--year", type=int, default=None, help="With --produce: the collection year's end.")
        ret.add_argument("--on", default=None, help="With --produce: Annex A's inspection date (YYYY-MM-DD).")
        ret.add_argument("--folder", default=None, help="With --produce: where to write the files.")
        ret.add_argument("--json", action="store_true", help=json_help)

        crash = sub.add_parser("crash", help="Kill the server, PostgreSQL and a file ingest with SIGKILL at random moments "
                                             "while records arrive: acknowledged records lost, duplicated or without "
                                             "their audit row (target 0).")
        crash.add_argument("--trials", type=int, default=1000, help="Kills of each kind on each database.")
        crash.add_argument("--seed", type=int, default=1)
        crash.add_argument("--kinds", default="server,postgresql,ingest",
                           help="Comma-separated: server, postgresql (PostgreSQL only), ingest.")
        crash.add_argument("--sqlite-only", action="store_true", help="Skip PostgreSQL.")
        crash.add_argument("--postgresql-only", action="store_true",
                           help="Skip SQLite (to run the two databases as separate processes).")
        crash.add_argument("--here", action="store_true", help="Act on DATABASE_URL's database; used by the bench itself.")
        crash.add_argument("--setup", action="store_true", help="With --here: make the sending agency and its token.")
        crash.add_argument("--verify", default=None, metavar="FILE",
                           help="With --here: check the acknowledged source record ids in FILE (a JSON list).")
        crash.add_argument("--json", action="store_true", help=json_help)

        arrival = sub.add_parser("arrival", help="Records posted to the API at a steady rate with the worker running: "
                                                 "request p95, record-to-alert p95, and how fast the queue drains.")
        arrival.add_argument("--rate", type=float, default=5.0, help="Records a second (default 5).")
        arrival.add_argument("--seconds", type=float, default=60.0, help="How long they arrive (default 60).")
        arrival.add_argument("--children", type=int, default=2000,
                             help="The simulated authority loaded first (default 2,000 children, one year).")
        arrival.add_argument("--backlog", type=int, default=300, help="Records queued with the worker stopped.")
        arrival.add_argument("--seed", type=int, default=1)
        arrival.add_argument("--postgresql", action="store_true", help="Also on a throwaway PostgreSQL.")
        arrival.add_argument("--json", action="store_true", help=json_help)

        load = sub.add_parser("load", help="50 people signed in at once through gunicorn and PostgreSQL, each doing "
                                           "what their role does: per route count, errors, p50, p95 and max.")
        load.add_argument("--users", type=int, default=50, help="People using joinedup at once (default 50).")
        load.add_argument("--seconds", type=float, default=300.0, help="How long they work (default 300).")
        load.add_argument("--children", type=int, default=2000,
                          help="The simulated authority loaded first (default 2,000 children, one year).")
        load.add_argument("--think", type=float, default=2.0,
                          help="Seconds between one person's pages, on average (default 2; each wait is uniform "
                               "between half and one and a half of it).")
        load.add_argument("--workers", type=int, default=2, help="gunicorn's workers (default 2, as `joinedup serve`).")
        load.add_argument("--seed", type=int, default=1)
        load.add_argument("--here", action="store_true", help="Act on DATABASE_URL's database; used by the bench itself.")
        load.add_argument("--teams", action="store_true", help="With --here: make the demo's agencies and teams.")
        load.add_argument("--setup", action="store_true",
                          help="With --here: make the people, their access, and what each will ask for.")
        load.add_argument("--json", action="store_true", help=json_help)

        timing = sub.add_parser("contact-time", help="A browser script records a contact and its decision: required "
                                                     "fields, keystrokes and seconds.")
        timing.add_argument("--json", action="store_true", help=json_help)

    def handle(self, *args, name, **options):
        if name == "simulate":
            from joinedup_lab.benches import simulate as simulate_bench

            self.stderr.write(f"Simulating {options['children']:,} children over {options['years']} years…")
            result = simulate_bench.run(options["children"], options["years"], options["seed"], None)
        elif name == "ingest":
            from joinedup_lab.benches import ingest as ingest_bench

            result = ingest_bench.run(
                records=options["records"], seed=options["seed"], postgres_url=options["postgres_url"], out=self.stderr
            )
        elif name == "linkage":
            from django.core.management.base import CommandError

            from joinedup_lab.benches import linkage as bench_linkage

            try:
                result = bench_linkage.run(
                    dataset=options["dataset"],
                    children=options["children"],
                    mentions=options["mentions"],
                    seed=options["seed"],
                    engine=options["engine"],
                    out=self.stderr,
                    folder=options["folder"],
                    without=[f.strip() for f in options["without"].split(",") if f.strip()],
                )
            except bench_linkage.BenchInputError as exc:
                raise CommandError(str(exc)) from None
        elif name == "chronology":
            from joinedup_lab.benches import chronology as chronology_bench

            sizes = {k: options[k] for k in ("events", "agencies", "household", "samples", "seed")}
            if options["here"]:
                result = chronology_bench.run_here(**sizes, out=self.stderr)
            else:
                result = chronology_bench.run(**sizes, postgres_url=options["postgres_url"],
                                              postgresql=not options["sqlite_only"], out=self.stderr)
        elif name == "alerts":
            # alerts may not import the simulator (independent layers); this command, above both, joins them
            from joinedup_lab.benches import alerts as alerts_bench
            from joinedup_lab.simulate.generate import SimulationConfig, generate

            def simulate(children, seed, years, folder, harm=options["harm_per_10k"]):
                config = SimulationConfig(children=children, seed=seed, years=years)
                generate(config if harm is None else config.with_rates(harm_children_per_10k=harm), folder, progress=False)

            result = alerts_bench.run(options["children"], options["seed"], options["years"],
                                      lambda msg: self.stderr.write(msg), simulate=simulate)
        elif name == "frontdoor":
            from joinedup_lab.benches import frontdoor as frontdoor_bench

            sizes = {k: options[k] for k in ("children", "open_contacts", "samples", "seed")}
            if options["here"]:
                result = frontdoor_bench.run_here(**sizes, out=self.stderr)
            else:
                result = frontdoor_bench.run(**sizes, postgres_url=options["postgres_url"],
                                             postgresql=not options["sqlite_only"], out=self.stderr)
        elif name == "dashboard":
            from joinedup_lab.benches import dashboard as dashboard_bench

            sizes = {k: options[k] for k in ("children", "samples", "seed")}
            if options["here"]:
                result = dashboard_bench.run_here(**sizes, out=self.stderr)
            else:
                result = dashboard_bench.run(**sizes, postgres_url=options["postgres_url"],
                                             postgresql=not options["sqlite_only"], out=self.stderr)
        elif name == "access":
            from joinedup_lab.benches import access as bench_access

            sizes = {k: options[k] for k in ("families", "attempts", "seed")}
            if options["here"]:
                result = bench_access.run_here(**sizes, out=self.stderr)
            else:
                result = bench_access.run(**sizes, postgres_url=options["postgres_url"],
                                          postgresql=options["postgresql"] or bool(options["postgres_url"]),
                                          out=self.stderr)
        elif name == "returns":
            result = self._returns(options)
        elif name == "crash":
            result = self._crash(options)
        elif name == "arrival":
            from django.core.management.base import CommandError

            from joinedup_lab.benches import arrival as bench_arrival

            if options["rate"] <= 0 or options["seconds"] <= 0 or options["children"] < 1 or options["backlog"] < 1:
                raise CommandError("--rate, --seconds, --children and --backlog must be more than 0")
            result = bench_arrival.run(children=options["children"], rate=options["rate"], seconds=options["seconds"],
                                       backlog=options["backlog"], seed=options["seed"],
                                       postgresql=options["postgresql"], out=self.stderr)
        elif name == "load":
            result = self._load(options)
        elif name == "visit-time":
            from joinedup_lab.benches import visit_time as bench_visit_time

            result = bench_visit_time.run(out=self.stderr)
        elif name == "contact-time":
            from joinedup_lab.benches import contact_time as bench_contact_time

            result = bench_contact_time.run(out=self.stderr)
        else:
            from joinedup_lab.benches import match as bench_match

            result = bench_match.run(
                persons=options["persons"], samples=options["samples"], seed=options["seed"], out=self.stderr
            )
        self.stdout.write(json.dumps(result, sort_keys=True))

    def _crash(self, options) -> dict:
        from pathlib import Path

        from django.core.management.base import CommandError

        from joinedup_lab.benches import crash as bench_crash

        if options["here"]:
            if options["setup"]:
                return bench_crash.setup_here()
            if options["verify"]:
                return bench_crash.verify_here(json.loads(Path(options["verify"]).read_text()))
            raise CommandError("--here: give --setup or --verify FILE")
        kinds = tuple(k.strip() for k in options["kinds"].split(",") if k.strip())
        unknown = sorted(set(kinds) - set(bench_crash.KINDS))
        if unknown or not kinds:
            raise CommandError(f"--kinds: expected some of {', '.join(bench_crash.KINDS)}, got {options['kinds']!r}")
        if options["trials"] < 1:
            raise CommandError("--trials: must be 1 or more")
        if options["sqlite_only"] and options["postgresql_only"]:
            raise CommandError("--sqlite-only and --postgresql-only: give one or neither")
        return bench_crash.run(trials=options["trials"], seed=options["seed"], kinds=kinds,
                               postgresql=not options["sqlite_only"], sqlite=not options["postgresql_only"],
                               out=self.stderr)

    def _load(self, options) -> dict:
        from django.core.management.base import CommandError

        from joinedup_lab.benches import load as bench_load

        if options["users"] < 1:
            raise CommandError("--users: must be 1 or more")
        if options["here"]:
            if options["teams"]:
                return bench_load.teams_here()
            if options["setup"]:
                return bench_load.setup_here(users=options["users"], seed=options["seed"])
            raise CommandError("--here: give --teams or --setup")
        if options["seconds"] <= 0 or options["children"] < 1 or options["workers"] < 1 or options["think"] < 0:
            raise CommandError("--seconds, --children and --workers must be more than 0, --think 0 or more")
        return bench_load.run(users=options["users"], seconds=options["seconds"], children=options["children"],
                              think=options["think"], seed=options["seed"], workers=options["workers"],
                              out=self.stderr)

    def _returns(self, options) -> dict:
        import datetime as dt
        from pathlib import Path

        from django.core.management.base import CommandError

        from joinedup_lab.benches import returns as bench_returns

        if options["produce"]:
            if not (options["here"] and options["year"] and options["on"] and options["folder"]):
                raise CommandError("--produce: give --here, --year, --on and --folder with it.")
            try:
                on = dt.date.fromisoformat(options["on"])
            except ValueError as exc:
                raise CommandError("--on: give the inspection date as YYYY-MM-DD.") from exc
            return bench_returns.produce_here(options["produce"], year=options["year"], on=on,
                                              folder=Path(options["folder"]), out=self.stderr)
        sizes = {k: options[k] for k in ("children", "years", "seed")}
        if options["here"]:
            return bench_returns.run_here(**sizes, out=self.stderr)
        return bench_returns.run(**sizes, postgres_url=options["postgres_url"],
                                 postgresql=options["postgresql"] or bool(options["postgres_url"]), out=self.stderr)
