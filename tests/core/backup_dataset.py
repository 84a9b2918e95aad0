"""A small, realistic joinedup database for the backup tests, loaded through the product's own services.

Run in a subprocess against a scratch database (the test suite's own database is never backed up or restored):

    DATABASE_URL=… python -m tests.core.backup_dataset

Agencies, a team with a social worker and their manager, the chronology tests' family (a child, his mother and a
man known to the police) received from five agencies and one record corrected (a second version), the people
linked with the default model, the child allocated, the catalogue's alerts raised and one acknowledged, and the
child's page read: every step writes its audit rows. Prints one JSON line of what it made.
"""

from __future__ import annotations

import json
import sys

import django


def load() -> dict:
    from joinedup.accounts.models import Agency, AgencyKind, Role
    from joinedup.accounts.services import agency_get_or_create, team_create, user_create
    from joinedup.accounts.services.users import actor_for
    from joinedup.alerts.models import Alert
    from joinedup.alerts.services import alert_acknowledge, alerts_evaluate_for_person
    from joinedup.audit.actions import AuditAction
    from joinedup.audit.services import audit_event_record
    from joinedup.casework.services import allocation_set
    from joinedup.core.actor import ActorRef
    from joinedup.ingest.services import records_ingest
    from joinedup.people.models import LinkageModel, Person
    from joinedup.people.services import default_model, linkage_run
    from tests.chronology.family import CSC, GP, HOSPITAL, POLICE, SCHOOL, family_records, person_of, rec

    system = ActorRef.system("backup-test")
    kinds = {CSC: AgencyKind.CHILDRENS_SOCIAL_CARE, POLICE: AgencyKind.POLICE, GP: AgencyKind.GP_PRACTICE,
             HOSPITAL: AgencyKind.ACUTE_HOSPITAL, SCHOOL: AgencyKind.SCHOOL}
    for code, kind in kinds.items():
        agency_get_or_create(actor=system, code=code, name=code.replace("-", " ").title(), kind=kind)
    csc = Agency.objects.get(code=CSC)
    team = team_create(actor=system, agency=csc, code="assessment", name="Assessment team")
    manager = user_create(actor=system, username="backup-manager", password="correct-horse-battery-staple-42",
                          agency=csc, role=Role.TEAM_MANAGER, team=team, first_name="Morag", last_name="Quill",
                          email="manager@example.invalid")
    worker = user_create(actor=system, username="backup-worker", password="correct-horse-battery-staple-42",
                         agency=csc, role=Role.SOCIAL_WORKER, team=team, first_name="Wyn", last_name="Ashdown",
                         email="worker@example.invalid")

    records = family_records()
    result = records_ingest(actor=system, records=records, via="file")
    assert {o.status for o in result.outcomes} == {"created"}, result.outcomes
    first = next(r for r in records if r["source_record_id"] == "K-GP-1")
    correction = rec(GP, "K-GP-1", "consultation", first["mentions"], on="2024-02-03", version=2,
                     detail={"code": "cough", "text": "Seen for a cough; chest clear.", "author_role": "GP"})
    result = records_ingest(actor=system, records=[correction], via="file")
    assert [o.status for o in result.outcomes] != ["refused"], result.outcomes

    LinkageModel.objects.create(trained_at="2026-01-01T00:00:00Z", model=default_model(), identity_rows=0)
    linkage_run(actor=system, progress=lambda _line: None)
    child = person_of(CSC, "CSC-K1")
    allocation_set(actor_user=manager, person=child, worker=worker)
    alerts_evaluate_for_person(person=child)
    alert = Alert.objects.filter(person=child).order_by("raised_at", "rule_id").first()
    assert alert is not None, "the family's records raise no alert"
    alert_acknowledge(user=alert.routed_to or worker, alert=alert)
    household = list(Person.objects.values_list("pk", flat=True))
    audit_event_record(actor=actor_for(worker), action=AuditAction.PERSON_VIEW, object_type="person",
                       object_id=child.pk, subject_person_id=child.pk, person_ids=household)
    return {"persons": Person.objects.count(), "alerts": Alert.objects.count()}


if __name__ == "__main__":
    django.setup()
    print(json.dumps(load()))
    sys.exit(0)
