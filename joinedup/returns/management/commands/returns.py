"""`joinedup returns cin --year 2026 --out FILE.xml` and `joinedup returns 903 --year 2026 --out DIR`: the
children in need census and the SSDA903 from the records, audited; `--validate` runs the validators local
authorities use on what was produced and lists each child failing a rule with the record to fix.
`joinedup returns annex-a --on 2026-03-27 --out FILE.xlsx`: Ofsted's ILACS Annex A (lists 1–11, the six months
before the inspection date), audited; `--validate` runs joinedup's own structural check on the workbook
(`annex_a_check`: Ofsted publishes no row validator)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from joinedup.core.actor import ActorRef
from joinedup.returns.annex_a_check import check as annex_a_check
from joinedup.returns.runs import annex_a_produce
from joinedup.returns.services import ReturnRefused, return_produce
from joinedup.returns.source import Year
from joinedup.returns.validators import ValidatorUnavailable, failures, validate


class Command(BaseCommand):
    help = "Produce a statutory return (the CIN census, the SSDA903 or Ofsted's Annex A) from the records."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["cin", "903", "annex-a"], help="cin: the children in need census (XML); "
                            "903: the SSDA903 (a folder of CSV tables); annex-a: Ofsted's ILACS Annex A (xlsx)")
        parser.add_argument("--year", type=int,
                            help="cin, 903: the collection year, named by the year it ends (2026 = 1 April 2025 to "
                                 "31 March 2026)")
        parser.add_argument("--on", help="annex-a: the inspection date (YYYY-MM-DD); the lists cover the six months "
                                         "before it")
        parser.add_argument("--out", required=True,
                            help="the XML file (cin), the folder (903) or the xlsx file (annex-a) to write")
        parser.add_argument("--validate", action="store_true",
                            help="run the DfE-aligned validators on the return and list every child failing a rule "
                                 "(annex-a: joinedup's structural check of the workbook)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, kind, year, out, on=None, validate: bool = False, no_progress: bool = False, **options):
        if kind == "annex-a":
            return self._annex_a(on, out, validate, no_progress)
        if year is None or not 2000 < year < 2100:
            raise CommandError("--year: give the year the collection ends, e.g. 2026 for 2025-26.")
        progress = None if no_progress else (lambda line: self.stderr.write(line))
        try:
            made = return_produce(actor=ActorRef.system("joinedup returns"), kind=kind, year=Year(year),
                                  out=Path(out), progress=progress)
        except ReturnRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{len(made.produced.children):,} children; written: "
                          f"{', '.join(str(p) for p in made.paths)}")
        if not validate:
            return
        if progress:
            progress("Returns: running the validators…")
        try:
            (result,) = validate_one(made.produced)
        except ValidatorUnavailable as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Validator: {result.ran} of {result.rules} rules ran; {len(result.errors)} errors, "
                          f"{len(result.queries)} queries" + (f"; rules that crashed: {', '.join(result.crashed)}"
                                                              if result.crashed else ""))
        for f in failures(made.produced, result):
            record = f"{f.record.kind} {f.record.key}" if f.record else "no record found"
            self.stdout.write(f"  {f.rule_type} {f.rule} · child {f.child_id} · {f.sentence} · fix: {record}")
        if result.errors or result.unexpected_crashes:
            raise CommandError(f"The {kind} return has {len(result.errors)} errors.")

    def _annex_a(self, on, out, validate: bool, no_progress: bool) -> None:
        try:
            day = dt.date.fromisoformat(on or "")
        except ValueError as exc:
            raise CommandError("--on: give the inspection date as YYYY-MM-DD, e.g. 2026-03-27.") from exc
        if not str(out).endswith(".xlsx"):
            raise CommandError("--out: give the workbook's file name, ending .xlsx.")
        progress = None if no_progress else (lambda line: self.stderr.write(line))
        made = annex_a_produce(actor=ActorRef.system("joinedup returns"), on=day, out=Path(out), progress=progress)
        rows = ", ".join(f"{name.removeprefix('List ')}: {len(r)}" for name, r in made.annex.sheets.items())
        self.stdout.write(f"{len(made.annex.children):,} children, {len(made.annex.sheets['List 11']):,} adopters; "
                          f"rows per list {rows}; written: {out}")
        if not validate:
            return
        problems = annex_a_check(Path(out), on=day)
        self.stdout.write(f"Structural check: {len(problems)} problems")
        for problem in problems[:200]:
            self.stdout.write(f"  {problem}")
        if problems:
            raise CommandError(f"The Annex A workbook has {len(problems)} structural problems.")


def validate_one(produced):
    return validate([produced])
