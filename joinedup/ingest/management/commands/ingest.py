"""`joinedup ingest PATH…`: load agencies' record files (JSON lines, CSV, FHIR bundles) as the system.

Paths are files or folders; a simulated authority's folder (from `joinedup simulate`) is read agency by
agency. Each file's records are checked and stored like records sent to the API, in transactions of
`--batch-size` records. A summary per file names the first refusals by line, field and problem, and the
first warnings (records stored, but odd: a birth after the event…); the exit status is 1 if any record was
refused (warnings alone leave it 0). A bad record never stops the file: it is refused on its own and the
records before and after it are stored. Identity linkage is not done here: run `joinedup link` after.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from joinedup.accounts.models import Agency
from joinedup.accounts.services import agency_get_or_create
from joinedup.core.actor import ActorRef
from joinedup.ingest.pipeline import Prepared, Preparer
from joinedup.ingest.readers import count_lines, record_files
from joinedup.ingest.services import STATUSES, VIA_FILE, Outcome, records_ingest
from joinedup.ingest.signals import file_ingest_finished

INGEST_ACTOR = ActorRef.system("ingest")
SHOW_REFUSALS = 5
DEFAULT_BATCH_SIZE = 2000  # records per transaction
LABELS = {"created": "created", "new_version": "new versions", "unchanged": "unchanged", "refused": "refused"}


def default_workers() -> int:
    """1 (a process prepares while this one stores) on two cores or more, else 0 (a thread of this process).

    On 2 quiet cores the process stored 1.1× (PostgreSQL) to 1.5× (SQLite) as many records a second as the thread.
    On cores already busy with other work the two processes share what CPU there is and pay for pickling between
    them: at a load of 5 to 8 on 2 cores, in four paired runs into SQLite, the thread stored -4% to +21% as many
    records a second and needed a quarter less memory (issue 18). The default does not follow the load (a command
    that behaves differently by the minute is hard to reason about): pass `--workers 0` on a machine kept busy.
    """
    return 1 if (os.cpu_count() or 1) > 1 else 0


class _ByFile:
    """The stream of (file index, batch) a Preparer gives, taken a file at a time."""

    def __init__(self, stream: Iterator[tuple[int, Prepared]]) -> None:
        self.stream = stream
        self.head: tuple[int, Prepared] | None = None

    def of(self, index: int) -> Iterator[Prepared]:
        """The batches of file `index` (none if the stream has passed it or ended)."""
        while True:
            if self.head is None:
                self.head = next(self.stream, None)
                if self.head is None:
                    return
            if self.head[0] != index:
                return  # a later file's
            batch, self.head = self.head[1], None
            yield batch

    def close(self) -> None:
        """Stop preparing (the batches not taken are dropped)."""
        close = getattr(self.stream, "close", None)
        if close is not None:
            close()


class Command(BaseCommand):
    """Loads record files as the system actor and reports what happened to each record."""

    help = "Load agencies' record files or a simulated authority's folder. Run `joinedup link` afterwards."

    def add_arguments(self, parser: CommandParser) -> None:
        """Paths, batch size, a record limit, agency registration, progress and JSON output."""
        parser.add_argument("paths", nargs="+", type=Path, help="record files or folders")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                            help=f"records per transaction (default {DEFAULT_BATCH_SIZE})")
        parser.add_argument("--limit", type=int, default=None, help="stop after this many records")
        parser.add_argument(
            "--register-agencies",
            action="store_true",
            help="first register the agencies listed in a folder's agencies.json (a simulated authority)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes that read and check records while this one stores them; 0 = a thread "
            "(default: 1 on two cores or more, else 0)",
        )
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
        parser.add_argument(
            "--link-follows",
            action="store_true",
            help="the caller links next (as `make demo` does): the summary does not ask for `joinedup link`",
        )
        parser.add_argument("--json", action="store_true", help="end with a one-line JSON summary")

    def handle(self, *args: Any, paths: list[Path], batch_size: int, limit: int | None, **options: Any) -> None:
        """Reads every file, ingests its records in batches, prints summaries; exit status 1 on refusals."""
        for path in paths:
            if not path.exists():
                raise CommandError(f"{path}: no such file or folder")
        if options["register_agencies"]:
            self._register_agencies(paths)
        files = [f for path in paths for f in record_files(path)]
        if not files:
            raise CommandError("no record files found (expected .jsonl, .ndjson, .csv or .json)")

        totals = dict.fromkeys(STATUSES, 0)
        mentions = files_read = lines_done = warned = 0
        remaining = limit
        lines = {f: 0 if options["no_progress"] else count_lines(f) for f, _ in files}
        bar = tqdm(total=sum(lines.values()), unit=" lines", file=sys.stderr, disable=options["no_progress"], smoothing=0.1)
        workers = default_workers() if options["workers"] is None else options["workers"]
        preparer = Preparer(workers=workers)
        # Collect garbage less often: a load allocates millions of short-lived, acyclic objects, and the
        # collector's full passes over a growing heap would otherwise cost a sixth of the time.
        gc.freeze()
        thresholds = gc.get_threshold()
        gc.set_threshold(100_000, 50, 100)
        # Hand the GIL over sooner (0.5 ms, not 5 ms), so that this thread resumes as soon as the database
        # answers instead of waiting for the preparing thread's turn to end.
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(0.0005)
        started = time.perf_counter()
        # Reading and checking (pure Python) run in a worker process or thread while this one stores, a file's
        # first batches while the last of the file before are stored.
        batches = _ByFile(preparer.batches_of([file for file, _ in files], batch_size, limit))
        try:
            for index, (file, agency_code) in enumerate(files):
                if remaining is not None and remaining <= 0:
                    break
                files_read += 1
                counts, refusals, written, read, warnings = self._ingest_file(
                    batches.of(index), agency_code, batch_size, bar
                )
                warned += warnings[0]
                lines_done += lines[file]
                bar.update(max(0, lines_done - bar.n))  # the header and blank lines count as read too
                mentions += written
                if remaining is not None:
                    remaining -= read
                for status in STATUSES:
                    totals[status] += counts[status]
                self._report_file(file, counts, refusals, warnings)
        finally:
            bar.close()
            batches.close()
            preparer.close()
            gc.set_threshold(*thresholds)
            gc.unfreeze()
            sys.setswitchinterval(switch_interval)
        seconds = time.perf_counter() - started
        records = sum(totals.values())
        rate = records / seconds if seconds else 0.0
        self.stdout.write(
            f"Total: {records:,} records from {files_read} file(s) in {seconds:.1f} s ({rate:,.0f} records/s): "
            + ", ".join(f"{totals[s]:,} {LABELS[s]}" for s in STATUSES)
        )
        file_ingest_finished.send(sender=self.__class__, mentions_written=mentions,
                                  link_follows=bool(options["link_follows"]))
        if not mentions:
            self.stdout.write("No new mentions: nothing to link.")
        elif options["link_follows"]:
            self.stdout.write(f"{mentions:,} mentions to link next.")
        else:
            self.stdout.write(f"{mentions:,} mentions await linkage: queued for the worker (`joinedup worker`), "
                              "or run `joinedup link` now")
        if options["json"]:
            # This process's peak plus the largest worker's (both run at once): an upper bound.
            rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            rss_kb += resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if workers else 0
            self.stdout.write(json.dumps({
                "records": records, **totals, "with_warnings": warned, "mentions_written": mentions,
                "seconds": round(seconds, 3),
                "records_per_second": round(rate, 1), "peak_rss_mb": round(rss_kb / 1024, 1), "workers": workers,
            }, sort_keys=True))
        if totals["refused"]:
            raise CommandError(f"{totals['refused']:,} record(s) were refused; see the summaries above", returncode=1)

    def _register_agencies(self, paths: list[Path]) -> None:
        for path in paths:
            manifest = path / "agencies.json"
            if not manifest.is_file():
                raise CommandError(f"--register-agencies: {manifest} does not exist")
            added = 0
            for entry in json.loads(manifest.read_text(encoding="utf-8")):
                _, created = agency_get_or_create(
                    actor=INGEST_ACTOR, code=entry["id"], name=entry["name"], kind=entry["kind"]
                )
                added += created
            self.stdout.write(f"{manifest}: {added} agencies registered" if added else
                              f"{manifest}: its agencies are registered already")

    def _ingest_file(
        self, chunks: Iterator[Prepared], agency_code: str | None, batch_size: int, bar: tqdm,
    ) -> tuple[dict[str, int], list[tuple[int, Outcome]], int, int, tuple[int, list[tuple[int, Outcome]]]]:
        """Ingest one file's prepared batches; returns its counts, its refusals (line, outcome), mentions written,
        records read and its warnings (how many records had them; the first, by line)."""
        restrict = None
        if agency_code:  # the file is in an agency's folder: it may hold that agency's records only
            restrict = Agency.objects.filter(code=agency_code).first() or Agency(id=None, code=agency_code)
        counts = dict.fromkeys(STATUSES, 0)
        refusals: list[tuple[int, Outcome]] = []
        warned: list[tuple[int, Outcome]] = []
        mentions = read = with_warnings = 0
        last_line = 0
        for chunk in chunks:
            read += len(chunk)
            readable = [prepared for _, prepared in chunk if prepared is not None]
            result = records_ingest(
                actor=INGEST_ACTOR, records=readable, via=VIA_FILE, agency=restrict, batch_size=batch_size,
            )
            mentions += len(result.mention_ids)
            if len(result.outcomes) != len(readable):
                raise RuntimeError("records_ingest must give one outcome per record")
            outcomes = iter(result.outcomes)  # one per readable record, in order
            for item, prepared in chunk:
                outcome = next(outcomes) if prepared is not None else \
                    Outcome(index=-1, status="refused", errors=item.problems)
                status = outcome.status
                counts[status] += 1
                if status == "refused" and len(refusals) < SHOW_REFUSALS:
                    refusals.append((item.line, outcome))
                if outcome.warnings and status in ("created", "new_version"):
                    with_warnings += 1
                    if len(warned) < SHOW_REFUSALS:
                        warned.append((item.line, outcome))
            line = chunk[-1][0].line
            bar.update(max(0, line - last_line))
            last_line = line
        return counts, refusals, mentions, read, (with_warnings, warned)

    def _report_file(
        self, file: Path, counts: dict[str, int], refusals: list[tuple[int, Outcome]],
        warnings: tuple[int, list[tuple[int, Outcome]]] = (0, []),
    ) -> None:
        records = sum(counts.values())
        self.stdout.write(
            f"{file}: {records:,} records — " + ", ".join(f"{counts[s]:,} {LABELS[s]}" for s in STATUSES)
        )
        for line, outcome in refusals:
            for problem in outcome.errors[:3]:
                field = problem["field"] or "(record)"
                self.stdout.write(f"  line {line}: {field}: {problem['problem']}")
        if counts["refused"] > len(refusals):
            self.stdout.write(f"  … and {counts['refused'] - len(refusals):,} more refused")
        with_warnings, warned = warnings
        if with_warnings:
            self.stdout.write(f"  {with_warnings:,} stored with warnings (kept as sent; check them with the agency):")
            for line, outcome in warned:
                for problem in outcome.warnings[:3]:
                    self.stdout.write(f"  line {line}: warning: {problem['field'] or '(record)'}: {problem['problem']}")
            if with_warnings > len(warned):
                self.stdout.write(f"  … and {with_warnings - len(warned):,} more with warnings")

