"""Sealed records (security promise 3): a sealed person is restricted for everyone; unsealing needs a request and a
second, different person of a higher role, is shown to the data protection officer, and expires."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client

from joinedup.access import sealing
from joinedup.access.models import UnsealStatus
from joinedup.access.policy import may_approve_unseal
from joinedup.accounts.models import Role
from joinedup.audit.actions import AuditAction
from joinedup.audit.models import AuditEvent
from joinedup.core.time import utc_now
from tests.conftest import sign_in

pytestmark = pytest.mark.both_databases  # the embedded database (SQLite) seals too


def _u(pk, role, agency=1):
    return SimpleNamespace(pk=pk, is_authenticated=True, is_active=True, role=role, agency_id=agency)


def test_the_order_of_roles_for_unsealing():
    worker, colleague = _u(1, Role.SOCIAL_WORKER), _u(2, Role.SOCIAL_WORKER)
    manager, head, dpo = _u(3, Role.TEAM_MANAGER), _u(4, Role.HEAD_OF_SERVICE), _u(5, Role.DATA_PROTECTION_OFFICER)
    assert may_approve_unseal(manager, worker) and may_approve_unseal(head, manager) and may_approve_unseal(dpo, head)
    assert not may_approve_unseal(colleague, worker)  # the same rank
    assert not may_approve_unseal(worker, manager)  # lower
    assert not may_approve_unseal(manager, manager)  # the same person
    assert not may_approve_unseal(_u(6, Role.TEAM_MANAGER, agency=2), worker)  # another agency's manager
    assert may_approve_unseal(_u(7, Role.DATA_PROTECTION_OFFICER, agency=2), worker)  # the DPO
    assert not may_approve_unseal(_u(8, Role.SYSTEM_ADMINISTRATOR), worker)  # not in the order at all
    assert not may_approve_unseal(SimpleNamespace(**{**vars(manager), "pk": 9, "is_active": False}), worker)


def _client(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def _child_pages(world) -> list[str]:
    person = world.child.pk
    return [f"/people/{person}/", f"/people/{person}/chronology/", f"/people/{person}/who-knew/",
            f"/people/{person}/chronology/export/", f"/cases/{world.case_id}/", f"/people/{person}/hypotheses/"]


def test_only_a_head_of_service_seals_and_a_reason_is_needed(world):
    with pytest.raises(sealing.SealError) as refused:
        sealing.person_seal(user=world.manager, person_id=world.child.pk, reason="Adoption order made.")
    assert refused.value.field == "user"
    with pytest.raises(sealing.SealError) as short:
        sealing.person_seal(user=world.head, person_id=world.child.pk, reason="adopted")
    assert short.value.field == "reason" and "10 characters" in short.value.message
    seal = sealing.person_seal(user=world.head, person_id=world.child.pk, reason="Adoption order made 1 March 2026.")
    assert seal.reference.startswith("SEAL-") and len(seal.reference) == 11
    with pytest.raises(sealing.SealError, match="already sealed"):
        sealing.person_seal(user=world.head, person_id=world.child.pk, reason="Adoption order made 1 March 2026.")
    row = AuditEvent.objects.get(action=AuditAction.PERSON_SEAL)
    assert row.subject_person_id == world.child.pk and row.actor_username == world.head.username


def test_a_sealed_person_is_restricted_for_everyone(world):
    clients = {u.username: _client(u) for u in (world.worker, world.manager, world.front_door, world.head)}
    for client in clients.values():  # before: every one of them sees the child's pages
        assert client.get(_child_pages(world)[0]).status_code == 200
    before_alerts = clients[world.worker.username].get("/alerts/").content.decode()
    assert "Ruby" in before_alerts
    found = clients[world.worker.username].post("/people/", {"name": "Ruby Calloway"}).content.decode()
    assert f"/people/{world.child.pk}/" in found
    assert "Ruby" in clients[world.worker.username].get("/my-cases/").content.decode()
    sealing.person_seal(user=world.head, person_id=world.child.pk, reason="Adoption order made 1 March 2026.")
    for username, client in clients.items():
        for url in _child_pages(world):
            assert client.get(url).status_code == 404, (username, url)
        found = client.post("/people/", {"name": "Ruby Calloway"})
        assert found.status_code == 200 and f"/people/{world.child.pk}/" not in found.content.decode(), username
        assert "Ruby" not in client.get("/alerts/").content.decode(), username
    assert "Ruby" not in clients[world.front_door.username].get("/front-door/").content.decode()
    for url in ("/my-cases/", "/visits/due/"):  # the worker's own lists leave her out too
        assert "Ruby" not in clients[world.worker.username].get(url).content.decode(), url
    # the mother's household no longer shows the child
    mother = clients[world.head.username].get(f"/people/{world.mother.pk}/chronology/?household=on")
    assert mother.status_code == 200 and "Ruby" not in mother.content.decode()
    # a partner's look-up does not find her either
    assert sealing.sealed_for(world.nurse, [world.child.pk]) == {world.child.pk}


def test_unsealing_needs_a_second_person_of_a_higher_role_and_expires(world, settings, mailoutbox,
                                                                      django_capture_on_commit_callbacks):
    settings.JOINEDUP_ACCESS = {"unseal_hours": 2}
    type(world.dpo).objects.filter(pk=world.dpo.pk).update(email="dpo@northbrook.example")
    seal = sealing.person_seal(user=world.head, person_id=world.child.pk, reason="Adoption order made 1 March 2026.")
    with pytest.raises(sealing.SealError) as wrong:
        sealing.unseal_request(user=world.worker, reference="SEAL-NOPE00", reason="Life story work for the child.")
    assert wrong.value.field == "reference"
    asked = sealing.unseal_request(user=world.worker, reference=seal.reference.lower(),
                                   reason="Life story work for the child.")
    for not_allowed in (world.worker, world.other_worker, world.front_door):  # self, the same rank
        with pytest.raises(sealing.SealError):
            sealing.unseal_decide(user=not_allowed, request_id=asked.pk, approve=True)
    assert sealing.is_sealed_for(world.worker, world.child.pk)
    with django_capture_on_commit_callbacks(execute=True):
        approved = sealing.unseal_decide(user=world.manager, request_id=asked.pk, approve=True)
    assert approved.status == UnsealStatus.APPROVED
    assert [m.to for m in mailoutbox] == [["dpo@northbrook.example"]]  # alerted to the DPO, naming nobody
    assert seal.reference in mailoutbox[0].body and world.child.given_name not in mailoutbox[0].body
    assert approved.expires_at == approved.decided_at + dt.timedelta(hours=2)
    assert not sealing.is_sealed_for(world.worker, world.child.pk)  # for the one who asked
    assert sealing.is_sealed_for(world.manager, world.child.pk)  # and nobody else
    later = approved.expires_at + dt.timedelta(seconds=1)
    assert sealing.sealed_for(world.worker, [world.child.pk], now=later) == {world.child.pk}  # it expires
    worker = _client(world.worker)
    assert worker.get(f"/people/{world.child.pk}/chronology/").status_code == 200
    assert _client(world.manager).get(f"/people/{world.child.pk}/").status_code == 404
    mine = (AuditAction.PERSON_SEAL, AuditAction.UNSEAL_REQUEST, AuditAction.UNSEAL_APPROVE, AuditAction.UNSEAL_REFUSE)
    actions = list(AuditEvent.objects.filter(subject_person_id=world.child.pk, action__in=mine)
                   .values_list("action", flat=True).order_by("id"))
    assert actions == [AuditAction.PERSON_SEAL, AuditAction.UNSEAL_REQUEST, AuditAction.UNSEAL_APPROVE]


def test_a_refusal_needs_a_reason_and_gives_nothing(world):
    seal = sealing.person_seal(user=world.head, person_id=world.child.pk, reason="Adoption order made 1 March 2026.")
    asked = sealing.unseal_request(user=world.manager, reference=seal.reference, reason="Court asked for the file.")
    with pytest.raises(sealing.SealError) as short:
        sealing.unseal_decide(user=world.head, request_id=asked.pk, approve=False, note="no")
    assert short.value.field == "note"
    refused = sealing.unseal_decide(user=world.head, request_id=asked.pk, approve=False,
                                    note="The court order does not cover the birth record.")
    assert refused.status == UnsealStatus.REFUSED and refused.expires_at is None
    assert sealing.is_sealed_for(world.manager, world.child.pk)
    with pytest.raises(sealing.SealError, match="already decided"):
        sealing.unseal_decide(user=world.dpo, request_id=asked.pk, approve=True)


def test_the_screens_seal_ask_approve_and_the_dpo_reviews(world):
    head = _client(world.head)
    page = head.get(f"/people/{world.child.pk}/")
    assert f"/people/{world.child.pk}/seal/" in page.content.decode()  # the head of service is offered it
    assert f"/people/{world.child.pk}/seal/" not in _client(world.worker).get(f"/people/{world.child.pk}/").content.decode()
    assert _client(world.worker).get(f"/people/{world.child.pk}/seal/").status_code == 404
    short = head.post(f"/people/{world.child.pk}/seal/", {"reason": "adopted"})
    assert short.status_code == 200 and "10 characters" in short.content.decode()
    done = head.post(f"/people/{world.child.pk}/seal/", {"reason": "Adoption order made 1 March 2026."}, follow=True)
    reference = sealing.seals_visible_to(viewer=world.head).get().reference
    assert done.status_code == 200 and reference in done.content.decode()
    assert "Ruby" not in done.content.decode()  # the register never names who is sealed

    worker = _client(world.worker)
    bad = worker.post("/sealed/request/", {"reference": "SEAL-XXXXXX", "reason": "Life story work for the child."})
    assert bad.status_code == 200 and "No sealed record has this reference" in bad.content.decode()
    assert worker.post("/sealed/request/", {"reference": reference, "reason": "Life story work for the child."}
                       ).status_code == 302
    asked = sealing.unseal_requests_for(viewer=world.worker)["own"][0]
    colleague = _client(world.other_worker)  # the same rank: nothing to decide, and deciding is refused
    assert str(asked.pk) not in colleague.get("/sealed/").content.decode()
    assert colleague.post("/sealed/", {"do": "approve", "request": asked.pk}).status_code == 404
    manager = _client(world.manager)
    assert str(asked.pk) in manager.get("/sealed/").content.decode()
    assert manager.post("/sealed/", {"do": "approve", "request": asked.pk}).status_code == 302
    assert worker.get(f"/people/{world.child.pk}/").status_code == 200

    dpo = _client(world.dpo)
    assert "Unsealings to review: 1." in dpo.get("/").content.decode()  # told on their home page
    assert dpo.post("/sealed/", {"do": "review", "request": asked.pk}).status_code == 302
    assert "Unsealings to review: 0." in dpo.get("/").content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.UNSEAL_REVIEW, subject_person_id=world.child.pk).count() == 1
    for outsider in (world.partnership, world.admin):
        assert _client(outsider).get("/sealed/").status_code == 404
    assert utc_now() < sealing.unseal_requests_for(viewer=world.worker)["own"][0].expires_at


def test_a_sealed_housemate_leaves_the_household_view(world):
    manager = _client(world.manager)
    before = manager.get(f"/people/{world.child.pk}/chronology/?household=on").content.decode()
    assert "Craig Wedderburn" in before
    sealing.person_seal(user=world.head, person_id=world.partner.pk, reason="Protected by a court order (case 123).")
    after = manager.get(f"/people/{world.child.pk}/chronology/?household=on")
    assert after.status_code == 200 and "Craig Wedderburn" not in after.content.decode()
    assert "Ruby" in after.content.decode()  # the child's own chronology is still there


def test_a_sealed_child_is_left_out_of_the_concerns_log_and_its_pages(world):
    from joinedup.practice.selectors.concerns import concern_for_viewer, concern_rows, concerns_for
    from joinedup.practice.services.concerns import concern_record

    concern = concern_record(user=world.front_door, raised_by="relative", summary="Grandmother worried about Ruby",
                             children=[world.child], responder=world.manager)
    rows = concern_rows(concerns_for(viewer=world.manager), viewer=world.manager)
    assert [c.pk for row in rows for c in row.children] == [world.child.pk]
    sealing.person_seal(user=world.head, person_id=world.child.pk, reason="Adoption order made today")
    rows = concern_rows(concerns_for(viewer=world.manager), viewer=world.manager)
    assert [row.concern.pk for row in rows] == [concern.pk] and all(row.children == [] for row in rows)
    assert concern_for_viewer(viewer=world.manager, concern_id=concern.pk).children == []
    page = sign_in(Client(), world.manager).get(f"/concerns/{concern.pk}/").content.decode()
    assert world.child.family_name not in page.replace("Grandmother worried about Ruby", "")  # the summary as typed


def test_a_sealed_persons_name_is_blanked_in_other_peoples_free_text(world):
    """Records about others that write a sealed person's name in their text read "[name restricted]" (promise 3)."""
    from joinedup.chronology.restriction import SEALED_NAME
    from joinedup.ingest.models import SourceRecord
    from joinedup.ingest.services import records_ingest
    from tests.access.conftest import GP, RUBY, SYSTEM, _link, m, rec

    note = rec(GP, "A-GP-9", "consultation", [m("m1", "patient", RUBY, "GP-R1")], on="2024-03-01",
               detail={"code": "cough", "text": "Came with craig  WEDDERBURN; Craig said she had been coughing."})
    assert records_ingest(actor=SYSTEM, records=[note], via="file").outcomes[0].status == "created"
    _link("A-GP-9", "m1", world.child, world.head)
    manager = _client(world.manager)
    chronology = f"/people/{world.child.pk}/chronology/"
    record_page = f"/people/{world.child.pk}/records/{SourceRecord.objects.get(source_record_id='A-GP-9').pk}/"
    assert "Craig said" in manager.get(chronology).content.decode()  # before sealing: as written
    sealing.person_seal(user=world.head, person_id=world.partner.pk, reason="Protected by a court order (case 123).")
    for url in (chronology, record_page):
        page = manager.get(url)
        html = page.content.decode()
        assert page.status_code == 200, url
        assert "Craig" not in html and "craig" not in html and "WEDDERBURN" not in html, url
        assert SEALED_NAME in html and "said she had been coughing" in html, url  # the rest of the text stays
    stored = SourceRecord.objects.get(source_record_id="A-GP-9").current.payload["detail"]["text"]
    assert stored.startswith("Came with craig  WEDDERBURN")  # only what is shown changes, never what is stored


def test_a_sealed_persons_name_is_blanked_in_an_alerts_sentence(world):
    from joinedup.alerts.models import Alert
    from joinedup.alerts.selectors import alerts_shown
    from joinedup.chronology.restriction import SEALED_NAME

    alert = Alert.objects.filter(person=world.child).first()
    assert alert is not None
    Alert.objects.filter(pk=alert.pk).update(sentence="Bruising; Craig Wedderburn was present.")
    alert.refresh_from_db()
    assert alerts_shown([alert], viewer=world.manager)[alert.pk].sentence == "Bruising; Craig Wedderburn was present."
    sealing.person_seal(user=world.head, person_id=world.partner.pk, reason="Protected by a court order (case 123).")
    assert alerts_shown([alert], viewer=world.manager)[alert.pk].sentence == f"Bruising; {SEALED_NAME} was present."
