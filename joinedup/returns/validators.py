"""Running the validators local authorities use on the returns joinedup produced, and naming for each finding
the child and the record to fix.

The validators (csc-validator-be-cin 0.1.13, csc-validator-be-903 0.1.17) live in their own Python
(`JOINEDUP_RETURNS["validator_python"]`, var/returns-venv made by `make setup`): `validate` runs
`validator_script.py` there as one subprocess for any number of returns, and reads its JSON.
`failures` turns findings into `Failure`s: the child (joinedup's person id, the return's id, the name), the rule
in plain English, and the record (agency, source record id, record pk, kind) where the fix belongs.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.conf import settings

from joinedup.returns.cin import Produced
from joinedup.returns.rules import plain_english
from joinedup.returns.ssda903 import write_tables

SCRIPT = Path(__file__).with_name("validator_script.py")
# Rules that crash on every input in csc-validator-be-903 0.1.17 (they read columns its ingress never makes).
KNOWN_BROKEN_903 = frozenset({"231", "233"})


class ValidatorUnavailable(RuntimeError):
    """The validators' Python is missing or failed: the message says what to do."""


@dataclass(frozen=True)
class Finding:
    rule: str
    type: str  # ERROR or QUERY
    child: str  # the return's id for the child ("" for a return-level finding)
    tables: str
    columns: str
    row: str
    value: str
    message: str
    level: str  # child or return


@dataclass
class Validation:
    kind: str
    rules: int = 0
    ran: int = 0
    skipped: list[str] = field(default_factory=list)
    crashed: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.type == "ERROR"]

    @property
    def queries(self) -> list[Finding]:
        return [f for f in self.findings if f.type != "ERROR"]

    @property
    def unexpected_crashes(self) -> list[str]:
        return [c for c in self.crashed if c not in KNOWN_BROKEN_903]


def validator_python() -> Path:
    conf = getattr(settings, "JOINEDUP_RETURNS", {})
    return Path(conf.get("validator_python") or Path(settings.BASE_DIR) / "var" / "returns-venv" / "bin" / "python")


def validate(produced: list[Produced], *, la_gss: str = "", timeout: int = 600) -> list[Validation]:
    """Run the validators on these returns (one subprocess for them all)."""
    python = validator_python()
    if not python.exists():
        raise ValidatorUnavailable(f"The returns' validators are not installed ({python} is missing): run `make setup`.")
    la_gss = la_gss or getattr(settings, "JOINEDUP_RETURNS", {}).get("la_gss", "")
    with tempfile.TemporaryDirectory(prefix="joinedup-returns-") as tmp:
        jobs = []
        for i, p in enumerate(produced):
            if p.kind == "cin":
                path = Path(tmp) / f"cin-{i}.xml"
                path.write_bytes(p.content)
                jobs.append({"id": str(i), "kind": "cin", "path": str(path), "year": str(p.year.ends)})
            else:
                folder = Path(tmp) / f"903-{i}"
                write_tables(p, folder)
                jobs.append({"id": str(i), "kind": "903", "dir": str(folder), "year": str(p.year.ends),
                             "la": la_gss})
        # -P: the script's folder (joinedup/returns) is not put on the path, so our `selectors.py` cannot shadow
        # the standard library's `selectors` module (which subprocess imports).
        done = subprocess.run([str(python), "-P", str(SCRIPT)], input=json.dumps({"jobs": jobs}), capture_output=True,
                              text=True, timeout=timeout, cwd=tmp, check=False)
    if done.returncode != 0:
        raise ValidatorUnavailable(f"The returns' validators failed (exit {done.returncode}): "
                                   f"{done.stderr.strip().splitlines()[-1:] or ''}")
    out = []
    for p, result in zip(produced, json.loads(done.stdout)["results"], strict=True):
        if "error" in result:
            raise ValidatorUnavailable(f"The {p.kind} validator could not read the return: {result['error']}")
        findings = [Finding(**i) for i in result["issues"]]
        if p.kind == "903":
            findings = _sw17_for_leavers(p, findings)
        out.append(Validation(p.kind, result["rules"], result["ran"], result["skipped"], result["crashed"], findings))
    return out


def _sw17_for_leavers(p: Produced, findings: list[Finding]) -> list[Finding]:
    """csc-validator-be-903 0.1.17's SW17STG2 ("There is no social worker episode open at 31 March") asks every
    child's latest social worker episode to be open, even a child who ceased to be looked after in the year and
    whose case closed (whose episodes SW12STG2 asks for). For a child not looked after on 31 March it is kept as a
    query, not an error (docs/returns.md, "Queries and quirks")."""
    looked_after = {r["CHILD"] for r in p.tables.get("Episodes", []) if not r.get("DEC")}
    return [replace(f, type="QUERY") if f.rule == "SW17STG2" and f.child not in looked_after else f
            for f in findings]


# --- the child and the record to fix ----------------------------------------------------------------------


@dataclass(frozen=True)
class RecordRef:
    """The record to fix: the agency's record (current version) that joinedup reported from."""

    key: str  # "<agency code>:<source record id>"
    agency: str
    source_record_id: str
    record_pk: int | None
    kind: str


@dataclass(frozen=True)
class Failure:
    """One child failing one rule of a return."""

    return_kind: str  # cin, 903
    rule: str
    rule_type: str
    sentence: str  # the rule in plain English
    person_id: object
    child_id: str  # the return's id for the child
    child_name: str
    record: RecordRef | None
    detail: str = ""  # the validator's own words, and the value it flagged
    unplaced: str = ""  # why the casework fold could not place the record, when it could not


_CIN_TABLES = {"childidentifiers": "ChildIdentifiers", "childcharacteristics": "ChildCharacteristics",
               "disabilities": "Disabilities", "cindetails": "CINdetails", "assessments": "Assessments",
               "cinplandates": "CINplanDates", "section47": "Section47", "childprotectionplans": "ChildProtectionPlans",
               "reviews": "Reviews"}


def _tables(text: str) -> list[str]:
    return [t.strip().strip("'[]\" ") for t in text.replace(";", ",").split(",") if t.strip().strip("'[]\" ")]


def _record_key(p: Produced, f: Finding) -> str:
    """The record behind a finding, from the return's provenance."""
    mine = [s for s in p.provenance if s.child == f.child]
    if not mine:
        return ""
    tables = _tables(f.tables)
    columns = _tables(f.columns)
    if p.kind == "903":
        for table in tables:
            hit = next((s for s in mine if s.table.lower() == table.lower() and s.column == "#row"
                        and s.value == f.row), None)
            if hit is not None:
                return hit.record_key
        first = tables[0] if tables else ""
        hit = next((s for s in mine if s.table.lower() == first.lower()), None)
        return hit.record_key if hit else mine[0].record_key
    wanted = {_CIN_TABLES.get(t.lower(), t) for t in tables}
    in_table = [s for s in mine if s.table in wanted] or mine
    if f.value:
        values = set(_tables(f.value)) | {f.value}
        by_value = [s for s in in_table if s.value in values and (not columns or s.column in columns)]
        if by_value:
            return by_value[0].record_key
    by_column = [s for s in in_table if s.column in columns]
    return (by_column or in_table)[0].record_key


def failures(produced: Produced, validation: Validation, *, include_queries: bool = True) -> list[Failure]:
    """Every child failing a rule of this return: the rule in plain English and the record to fix."""
    out = []
    for f in validation.findings:
        if f.level != "child" or (f.type != "ERROR" and not include_queries):
            continue
        child = produced.children.get(f.child)
        key = _record_key(produced, f)
        record = None
        if child is not None and key:
            r = child.records.get(key)
            agency, _, source_id = key.partition(":")
            record = RecordRef(key, agency, source_id, r.record_pk if r else None, r.kind if r else "")
        out.append(Failure(
            return_kind=produced.kind, rule=f.rule, rule_type=f.type,
            sentence=plain_english(produced.kind, f.rule, f.message),
            person_id=child.person_id if child else None, child_id=f.child, child_name=child.name if child else "",
            record=record, detail=f"{f.message} ({f.columns}: {f.value})" if f.value else f.message,
            unplaced=child.unplaced.get(key, "") if child and key else "",
        ))
    return out
