"""Producing a return from the performance team's page, and Annex A from the command.

The page's post writes the run's status row (`run_start`, committed at once: the view runs outside a transaction)
and queues `returns.tasks.produce`; the worker runs `run_execute` while the page polls the row. `run_execute` reads the query source with progress written to the row, writes the file under
`JOINEDUP_RETURNS["output_dir"]/<run id>/`, runs the validators on the CIN census and the SSDA903 and keeps each
child failing a rule (`ReturnFailure`: what the data-quality page lists), then — in one transaction, the audit row
last — marks the run done and writes `returns.produce` naming every child in the return. Reading happens outside
any transaction, so on SQLite other people's writes are not held up by a long run.

A worker process stopped mid-run (a deployment, a timeout) leaves its row running: after
`STALE_AFTER` without a progress write it is shown as stopped and another run may start.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import time
import uuid
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.models import AuditEventPerson
from joinedup.audit.services import audit_event_record
from joinedup.core.actor import ActorRef
from joinedup.core.time import utc_now
from joinedup.returns import annex_a as annex
from joinedup.returns import annex_a_check
from joinedup.returns.models import ReturnFailure, ReturnRun
from joinedup.returns.services import ReturnRefused, produce
from joinedup.returns.source import Year, adopter_journeys, collection_paused, facts_for
from joinedup.returns.ssda903 import write_tables
from joinedup.returns.validators import ValidatorUnavailable, failures, validate

log = logging.getLogger(__name__)
STALE_AFTER = dt.timedelta(minutes=15)
_READ = re.compile(r"read ([\d,]+) of ([\d,]+)")


class RunRefused(ValueError):
    """A run cannot start as asked: the message names the field and the problem."""

    def __init__(self, field: str, problem: str):
        super().__init__(problem)
        self.field = field
        self.problem = problem


def output_dir() -> Path:
    conf = getattr(settings, "JOINEDUP_RETURNS", {})
    return Path(conf.get("output_dir") or Path(settings.BASE_DIR) / "var" / "returns")


def is_stale(run: ReturnRun, now: dt.datetime | None = None) -> bool:
    return run.status == ReturnRun.Status.RUNNING and (now or utc_now()) - run.updated_at > STALE_AFTER


# --- Annex A (the command and the page) ---------------------------------------------------------------------------


@dataclass
class AnnexMade:
    annex: annex.AnnexA
    content: bytes


def annex_a_make(on: dt.date, *, progress=None, now: dt.datetime | None = None) -> AnnexMade:
    """Annex A at the inspection date `on`, made from the records now (no file, no audit row)."""
    window = annex.Window(on)
    ids = annex.people_for(window)
    if progress is not None:
        progress(f"Annex A: {len(ids):,} children with casework in the twelve months to {on:%d %B %Y}")
    with collection_paused():
        facts = list(facts_for(ids, progress=progress, early_help=True))
        made = annex.annex_a(facts, on=on, allocated=annex.allocations_on(ids, on),
                             adopters=adopter_journeys(window.year_start, on))
        return AnnexMade(made, annex.workbook(made, now=now))


def _annex_detail(made: AnnexMade) -> dict:
    return {"return": "annex-a", "on": made.annex.window.on.isoformat(),
            "from": made.annex.window.start.isoformat(), "children": len(made.annex.children),
            "adopters": len(made.annex.sheets["List 11"]),
            "rows": {name: len(rows) for name, rows in made.annex.sheets.items()},
            "sha256": hashlib.sha256(made.content).hexdigest()}


@transaction.atomic
def annex_a_produce(*, actor: ActorRef, on: dt.date, out: Path, progress=None,
                    now: dt.datetime | None = None) -> AnnexMade:
    """`joinedup returns annex-a`: write the workbook to `out` and audit it, naming every child and adopter in it."""
    made = annex_a_make(on, progress=progress, now=now)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(made.content)
    audit_event_record(actor=actor, action=AuditAction.RETURN_PRODUCE, object_type="return",
                       object_id=f"annex-a:{on.isoformat()}", detail={**_annex_detail(made), "files": [out.name]},
                       person_ids=made.annex.people)
    return made


# --- the page's runs -------------------------------------------------------------------------------------------------


def run_start(*, user, kind: str, year: int | None = None, on: dt.date | None = None,
              run_id: str = "") -> ReturnRun:
    """Check what is asked and write the run's status row (committed at once: the page polls it)."""
    if kind not in ReturnRun.Kind.values:
        raise RunRefused("kind", "Choose the children in need census, the SSDA903 or Annex A.")
    today = utc_now().date()
    if kind == ReturnRun.Kind.ANNEX_A:
        if on is None:
            raise RunRefused("on", "Enter the inspection date, for example 27 3 2026.")
        if on > today + dt.timedelta(days=366):
            raise RunRefused("on", "The inspection date must be within a year from today.")
        year = None
    else:
        if year is None or not 2000 < year < 2100:
            raise RunRefused("year", "Choose the collection year, named by the year it ends (2026 is 2025 to 2026).")
        on = None
    now = utc_now()
    running = [r for r in ReturnRun.objects.filter(agency_id=user.agency_id, status=ReturnRun.Status.RUNNING)
               if not is_stale(r, now)]
    if running:
        raise RunRefused("kind", f"A return is being produced ({running[0].get_kind_display()}, started "
                                 f"{running[0].started_at:%H:%M}): wait for it to finish, then try again.")
    pk = _uuid(run_id)
    if pk is None or ReturnRun.objects.filter(pk=pk).exists():
        pk = uuid.uuid4()
    return ReturnRun.objects.create(id=pk, agency_id=user.agency_id, kind=kind, year=year, on=on,
                                    started_by=user, started_at=now, updated_at=now, progress="Starting",
                                    status=ReturnRun.Status.RUNNING)


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


class _Progress:
    """Writes the run's progress line and a percentage to its row, at most twice a second."""

    def __init__(self, run: ReturnRun):
        self.run = run
        self.last = 0.0

    def __call__(self, line: str, percent: int | None = None, *, force: bool = False) -> None:
        if percent is None:
            found = _READ.search(line)
            percent = 5 + int(75 * int(found.group(1).replace(",", "")) / max(1, int(found.group(2).replace(",", "")))) \
                if found else None
        text = line.removeprefix("Returns: ").removeprefix("Annex A: ")
        now = time.monotonic()
        if not force and now - self.last < 0.5:
            return
        self.last = now
        fields = {"progress": text[:300], "updated_at": utc_now()}
        if percent is not None:
            fields["percent"] = max(0, min(100, percent))
        ReturnRun.objects.filter(pk=self.run.pk).update(**fields)


def _file_name(run: ReturnRun) -> str:
    if run.kind == ReturnRun.Kind.CIN:
        return f"cin-census-{run.year}.xml"
    if run.kind == ReturnRun.Kind.SSDA903:
        return f"ssda903-{run.year}.zip"
    return f"annex-a-{run.on.isoformat()}.xlsx"


def census_on_plan(content: bytes) -> int:
    """How many children the census shows on a child protection plan at its reference date (a plan with no end)."""
    root = ET.fromstring(content)  # noqa: S314 - our own output
    return sum(1 for child in root.iter("Child")
               if any(p.find("CPPendDate") is None for p in child.iter("ChildProtectionPlans")))


def run_execute(run: ReturnRun, *, user) -> ReturnRun:
    """Produce the run's return (see the module's docstring); a failure is written to the row, never raised."""
    progress = _Progress(run)
    folder = output_dir() / str(run.pk)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        name = _file_name(run)
        path = folder / name
        summary: dict = {}
        found = []
        message = ""
        if run.kind == ReturnRun.Kind.ANNEX_A:
            made = annex_a_make(run.on, progress=progress)
            path.write_bytes(made.content)
            people = made.annex.people  # the children and the adopters: whom the audit row names
            children = len(made.annex.children)
            detail = _annex_detail(made)
            summary["rows"] = detail["rows"]
            progress("Checking the workbook's lists, columns and codes", 90, force=True)
            problems = annex_a_check.check(made.content, on=run.on)  # no public Annex A validator: joinedup's own
            summary.update(checked=True, problems=len(problems), return_level=[str(p) for p in problems[:20]])
        else:
            produced = produce(run.kind, Year(run.year), progress=progress)
            progress("Writing the file", 82, force=True)
            if run.kind == ReturnRun.Kind.CIN:
                path.write_bytes(produced.content)
                on_plan = census_on_plan(produced.content)
                summary["on_plan"] = on_plan
                summary["on_plan_ids"] = sorted(
                    str(f.person_id) for f in produced.children.values() if f.plan_on(Year(run.year).end))
            else:
                tables = write_tables(produced, folder / "tables")
                with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
                    for table in tables:
                        z.write(table, table.name)
                summary["rows"] = {t: len(r) for t, r in produced.tables.items()}
            people = [f.person_id for f in produced.children.values()]
            children = len(people)
            detail = {"return": run.kind, "year": Year(run.year).label, "children": children}
            progress("Running the validators local authorities use", 85, force=True)
            try:
                (validation,) = validate([produced])
            except ValidatorUnavailable as exc:
                message = f"The return was produced but not checked: {exc}"
                summary["validated"] = False
            else:
                found = failures(produced, validation)
                summary.update(validated=True, errors=len(validation.errors), queries=len(validation.queries),
                               rules=validation.rules, ran=validation.ran,
                               crashed=validation.unexpected_crashes,
                               return_level=[f"{f.rule} {f.message}" for f in validation.findings
                                             if f.level != "child"][:20])
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        with transaction.atomic():
            ReturnFailure.objects.bulk_create([ReturnFailure(
                run=run, person_id=f.person_id, child_id=f.child_id[:40], rule=f.rule[:32], rule_type=f.rule_type[:8],
                sentence=f.sentence, record_key=f.record.key[:300] if f.record else "",
                record_pk=f.record.record_pk if f.record else None, record_kind=f.record.kind if f.record else "",
                unplaced=f.unplaced) for f in found], batch_size=500)
            event = audit_event_record(
                actor=actor_for(user), action=AuditAction.RETURN_PRODUCE, object_type="return",
                object_id=f"{run.kind}:{run.year or run.on.isoformat()}",
                detail={**detail, "run": str(run.pk), "files": [name], "sha256": digest,
                        "failures": len(found)},
                person_ids=people)
            summary["audit_event"] = str(event.pk)
            ReturnRun.objects.filter(pk=run.pk).update(
                status=ReturnRun.Status.DONE, progress="Done", percent=100, finished_at=utc_now(),
                updated_at=utc_now(), children=children, files=[name], sha256=digest, summary=summary,
                message=message)
    except ReturnRefused as exc:
        _failed(run, str(exc))
    except Exception as exc:  # the row says it failed; the log names the exception's type and place only
        log.exception("return run %s failed", run.pk)
        _failed(run, f"The return could not be produced ({type(exc).__name__}). The error is in the server's log "
                     f"under run {run.pk}.")
    run.refresh_from_db()
    return run


def _failed(run: ReturnRun, message: str) -> None:
    ReturnRun.objects.filter(pk=run.pk).update(status=ReturnRun.Status.FAILED, message=message[:2000],
                                               finished_at=utc_now(), updated_at=utc_now())


def run_download(*, user, run: ReturnRun) -> Path:
    """The run's file, its download audited naming every child in it (the children its production named)."""
    path = output_dir() / str(run.pk) / run.files[0]
    event_id = run.summary.get("audit_event")
    people = list(AuditEventPerson.objects.filter(event_id=event_id).values_list("person_id", flat=True)) \
        if event_id else []
    audit_event_record(actor=actor_for(user), action=AuditAction.RETURN_DOWNLOAD, object_type="return",
                       object_id=str(run.pk), detail={"return": run.kind, "file": run.files[0], "sha256": run.sha256},
                       person_ids=people)
    return path
