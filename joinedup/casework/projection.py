"""Reading a child's casework records and keeping the casework tables (`Case`, `Contact`, `CaseClock`,
`CaseworkIssue`) equal to what the fold makes of them (ADR 0008).

`casework_records(person_ids)` reads, for many people at once, the current versions of children's social
care's casework records that name each as the child (role `subject` or `unborn`). `casework_project` folds
each person's records and replaces their rows; it runs whenever people's links change
(`people.signals.persons_linked`) and after every step recorded in joinedup.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db.models import Count

from joinedup.accounts.models import Agency, AgencyKind, User
from joinedup.casework.clocks import Clocks, clocks_from_settings
from joinedup.casework.lifecycle import CASEWORK_KINDS, Casework, fold
from joinedup.casework.models import Case, CaseClock, CaseworkIssue, Contact
from joinedup.casework.state import CaseworkRecord
from joinedup.ingest.models import Mention, SourceRecord, SourceRecordVersion
from joinedup.people.models import MentionLink, Person

CHILD_ROLES = ("subject", "unborn")
CHUNK = 500
CASE_NAMESPACE = uuid.UUID("6f1c2a52-7d1e-4d6a-9a53-3c2b7e0c8a11")
Progress = Callable[[str], None]


def case_uuid(case_key: str) -> uuid.UUID:
    """A case's stable id: the same agency and episode always give the same id."""
    return uuid.uuid5(CASE_NAMESPACE, case_key)


def childrens_social_care_ids() -> list:
    """The children's social care agencies' ids (a handful): filtering mentions on these, rather than through a
    join on the agency's kind, lets PostgreSQL estimate how many records are theirs (a third of an authority's,
    not one agency's average share)."""
    return list(Agency.objects.filter(kind=AgencyKind.CHILDRENS_SOCIAL_CARE).values_list("id", flat=True))


def _casework_mentions(person_ids: list, kinds=CASEWORK_KINDS):
    # The people's mentions are found by their links (the person index), then kept if casework. With the person
    # filter in the join, SQLite (no planner statistics) reads every record of the casework kinds first, and
    # PostgreSQL every record of children's social care (seconds per chunk of people in a large authority).
    return Mention.objects.filter(
        id__in=MentionLink.objects.filter(person_id__in=person_ids).values("mention_id"),
        withdrawn=False, role__in=CHILD_ROLES, record__kind__in=kinds, agency_id__in=childrens_social_care_ids(),
    )


def casework_records(person_ids: Iterable, *, kinds=CASEWORK_KINDS) -> dict[object, list[CaseworkRecord]]:
    """Each person's casework records (current versions), as the fold reads them. `kinds`: the record kinds
    to read (the statutory returns add the children's social care kinds the fold does not read)."""
    ids = list(person_ids)
    out: dict[object, list[CaseworkRecord]] = defaultdict(list)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        mentions = _casework_mentions(chunk, kinds)
        people: dict[int, set] = defaultdict(set)  # record id → the people it names (as the child)
        for record_id, person_id in mentions.values_list("record_id", "link__person_id"):
            people[record_id].add(person_id)
        if not people:
            continue
        # The records by the same query (not a list of thousands of ids, which Django prepares one by one).
        in_chunk = mentions.values("record_id")
        versions = dict(
            SourceRecordVersion.objects.filter(record_id__in=in_chunk).values("record_id")
            .annotate(n=Count("id")).filter(n__gt=1).values_list("record_id", "n")
        )
        for pk, payload in SourceRecord.objects.filter(pk__in=in_chunk).values_list("pk", "current__payload"):
            for person_id in people.get(pk, ()):
                out[person_id].append(CaseworkRecord.from_payload(payload, record_pk=pk,
                                                                  versions=versions.get(pk, 1)))
    return out


def people_with_casework() -> list:
    """Everyone named as the child in a casework record, or holding casework rows now."""
    named = set(Mention.objects.filter(
        withdrawn=False, role__in=CHILD_ROLES, record__kind__in=CASEWORK_KINDS,
        record__agency__kind=AgencyKind.CHILDRENS_SOCIAL_CARE, link__person__isnull=False,
    ).values_list("link__person_id", flat=True).distinct())
    for model in (Case, Contact, CaseworkIssue):
        named.update(model.objects.values_list("person_id", flat=True).distinct())
    return sorted(named, key=str)


def casework_of(person: Person, *, clocks: Clocks | None = None) -> Casework:
    """What one child's casework records make now (read afresh, not from the projection)."""
    records = casework_records([person.pk]).get(person.pk, [])
    return fold(records, clocks=clocks or clocks_from_settings())


def _people_with_rows(ids: list) -> set:
    found: set = set()
    for model in (Case, Contact, CaseworkIssue):
        found.update(model.objects.filter(person_id__in=ids).values_list("person_id", flat=True).distinct())
    return found


def casework_project(person_ids: Iterable, *, progress: Progress | None = None) -> dict[str, int]:
    """Replace these people's casework rows with what the fold makes of their records now.

    A record or case that moved from one person to another (a merge or a split) takes the other person's
    rows with it: whoever holds rows for the same cases or records is projected again in the same pass.
    """
    ids = list(dict.fromkeys(person_ids))
    clocks = clocks_from_settings()
    totals = {"people": 0, "cases": 0, "contacts": 0, "issues": 0}
    agencies: dict[str, object] = {}
    users: dict[str, int | None] = {}
    for start in range(0, len(ids), CHUNK):
        people = set(ids[start:start + CHUNK])
        while True:
            by_person = casework_records(people)
            rows = _Rows(agencies, users)
            for person_id, records in by_person.items():
                rows.add(person_id, fold(records, clocks=clocks))
            holders = rows.holders() - people
            if not holders:
                break
            people |= holders
        touched = list(people & (set(by_person) | _people_with_rows(list(people))))
        CaseClock.objects.filter(person_id__in=touched).delete()
        CaseworkIssue.objects.filter(person_id__in=touched).delete()
        Contact.objects.filter(person_id__in=touched).delete()
        Case.objects.filter(person_id__in=touched).delete()
        rows.write()
        totals["people"] += len(by_person)
        totals["cases"] += len(rows.cases)
        totals["contacts"] += len(rows.contacts)
        totals["issues"] += len(rows.issues)
        if progress is not None and len(ids) > CHUNK:
            progress(f"Casework: {min(start + CHUNK, len(ids)):,} of {len(ids):,} people")
    return totals


class _Rows:
    """The rows one batch of people makes."""

    def __init__(self, agencies: dict, users: dict):
        self.agencies, self.users = agencies, users
        self.cases: list[Case] = []
        self.contacts: list[Contact] = []
        self.clocks: list[CaseClock] = []
        self.issues: list[CaseworkIssue] = []

    def _agency(self, code: str):
        if code not in self.agencies:
            from joinedup.accounts.models import Agency

            self.agencies[code] = Agency.objects.filter(code=code).values_list("pk", flat=True).first()
        return self.agencies[code]

    def _user(self, username: str):
        if not username:
            return None
        if username not in self.users:
            self.users[username] = User.objects.filter(username=username).values_list("pk", flat=True).first()
        return self.users[username]

    def add(self, person_id, cw: Casework) -> None:
        record_pk = {}
        for case in cw.cases:
            plan = case.latest_plan()
            nxt = case.next_deadline()
            row = Case(
                id=case_uuid(case.key), agency_id=self._agency(case.agency), person_id=person_id,
                case_ref=case.case_ref[:200], referral_record_id=case.referral_record_pk, opened_on=case.opened_on,
                source_code=case.source_code[:8], primary_need=case.primary_need[:4], stage=case.stage,
                is_open=case.is_open, closed_on=case.closed_on, closure_reason=case.closure_reason[:8],
                latest_category=(plan.latest_category if plan else "")[:32],
                next_due_on=(nxt.due_on or nxt.due_at.date()) if nxt else None,
                next_due_label=(nxt.label if nxt else "")[:200], last_seen_on=case.last_seen_on,
                revision=case.revision,
            )
            record_pk[case.key] = row
            self.cases.append(row)
        for contact in cw.contacts:
            if contact.record_pk is None:
                continue
            open_clocks = [c.due_at for c in contact.clocks if c.is_open()]
            case = record_pk.get(contact.case_key)
            self.contacts.append(Contact(
                record_id=contact.record_pk, agency_id=self._agency(contact.agency), person_id=person_id,
                case_id=case.id if case else None, received_at=contact.received_at, source_code=contact.source_code[:8],
                raised_by=contact.raised_by[:32], summary=contact.text[:300], rag=contact.rag[:8],
                rag_due_at=next((c.due_at for c in contact.clocks if c.kind == "contact_rag"), None),
                decision=contact.decision[:64], decided_at=contact.decided_at,
                decision_due_at=next(c.due_at for c in contact.clocks if c.kind == "contact_decision"),
                is_open=contact.is_open, next_due_at=min(open_clocks) if open_clocks else None,
                referrer_id=self._user(contact.referrer), referred_as=contact.referred_as[:200],
                revision=contact.revision,
            ))
            for clock in contact.clocks:
                self.clocks.append(self._clock(person_id, contact.agency, clock, contact=self.contacts[-1]))
        for case in cw.cases:
            row = record_pk[case.key]
            for clock in case.clocks:
                self.clocks.append(self._clock(person_id, case.agency, clock, case=row.id))
        for issue in cw.issues:
            if issue.record_pk is None:
                continue
            self.issues.append(CaseworkIssue(
                agency_id=self._agency(issue.key.split(":", 1)[0]), person_id=person_id, record_id=issue.record_pk,
                kind=issue.kind[:64], occurred_on=issue.occurred_on, sentence=issue.sentence,
            ))

    def _clock(self, person_id, agency: str, clock, *, case=None, contact=None) -> CaseClock:
        return CaseClock(
            agency_id=self._agency(agency), person_id=person_id, case_id=case, contact=contact, kind=clock.kind,
            label=clock.label[:200], source_key=clock.source_key[:300], started_at=clock.started_at,
            due_at=clock.due_at, due_on=clock.due_on, met_at=clock.met_at, stopped_at=clock.stopped_at,
        )

    def holders(self) -> set:
        """Whoever holds rows now for the cases and records these rows are for."""
        found = set(Case.objects.filter(pk__in=[c.id for c in self.cases]).values_list("person_id", flat=True))
        records = [c.record_id for c in self.contacts] + [i.record_id for i in self.issues]
        for model in (Contact, CaseworkIssue):
            for start in range(0, len(records), CHUNK):
                found.update(model.objects.filter(record_id__in=records[start:start + CHUNK])
                             .values_list("person_id", flat=True))
        return found

    def write(self) -> None:
        Case.objects.bulk_create(self.cases, batch_size=CHUNK)
        Contact.objects.bulk_create(self.contacts, batch_size=CHUNK)  # sets their ids (both databases)
        for clock in self.clocks:
            if clock.contact is not None:
                clock.contact_id = clock.contact.pk
        CaseClock.objects.bulk_create(self.clocks, batch_size=CHUNK)
        CaseworkIssue.objects.bulk_create(self.issues, batch_size=CHUNK)
