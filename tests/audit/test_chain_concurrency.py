"""Writers on several connections at once still make one unbroken chain (PostgreSQL: the chain lock)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.db import connections, transaction

from joinedup.audit.models import AuditEvent
from joinedup.audit.services import audit_event_record
from joinedup.audit.verify import chain_verify
from joinedup.core.actor import ActorRef

WRITERS = 4
ROWS_EACH = 15


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_make_one_unbroken_chain():
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        actor = ActorRef(id=uuid.uuid4(), username=f"writer{n}", role="social_worker")
        try:
            barrier.wait(timeout=10)
            for i in range(ROWS_EACH):
                with transaction.atomic():  # as a request or a service: the row, then more work, then commit
                    audit_event_record(actor=actor, action="person.view", subject_person_id=uuid.uuid4(),
                                       detail={"writer": n, "i": i})
                    time.sleep(0.002)  # hold the transaction open so that the others queue behind it
                    if i % 5 == 4:
                        audit_event_record(actor=actor, action="person.search", detail={"writer": n, "i": i})
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert errors == []
    expected = WRITERS * (ROWS_EACH + ROWS_EACH // 5)
    assert AuditEvent.objects.count() == expected
    assert sorted(AuditEvent.objects.values_list("chain_position", flat=True)) == list(range(1, expected + 1))
    assert len({row for row in AuditEvent.objects.values_list("actor_username", flat=True)}) == WRITERS
    result = chain_verify()
    assert result.ok, result.broken
    assert result.rows == expected


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_row_leaves_no_gap_in_the_chain():
    actor = ActorRef.system("rollback")
    audit_event_record(actor=actor, action="a")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_event_record(actor=actor, action="b")
        raise RuntimeError("the audited work failed")
    audit_event_record(actor=actor, action="c")
    rows = list(AuditEvent.objects.order_by("id").values_list("action", "chain_position"))
    assert rows == [("a", 1), ("c", 2)]
    assert chain_verify().ok
