"""Background work of the alerts app, run by `joinedup worker` (ADR 0017).

- `evaluate_mentions`: the people the mentions name, judged: those of the records that arrived, queued by the
  matching task (`people.tasks.match_mentions`, through `persons_linked`) in its transaction; and those named by
  mentions a new version withdrew or amended, queued in the ingest transaction (`alerts.receivers`). It runs ahead
  of other waiting work (its priority), each child in a transaction of its own that, on SQLite, holds the write lock
  only from its first write (`core.transactions.reads_then_writes`, through `alerts_evaluate_people`).
- `run_scheduled`: the time-based rules for the children they can apply to, then escalation of alerts nobody
  acknowledged in time (the schedule: every 15 minutes by default).
"""

from __future__ import annotations

from django_tasks import task

from joinedup.core.actor import ActorRef

SCHEDULE_ACTOR = "joinedup worker (schedule)"
# Judging the alerts of records that arrived comes before other waiting work (matching more records, the schedule):
# an alert is not kept waiting behind a backlog.
EVALUATE_PRIORITY = 10


@task(priority=EVALUATE_PRIORITY)
def evaluate_mentions(mention_ids: list[int], arrived: bool) -> int:
    """Judge the people the mentions name; `arrived`: each record at its own day (an arrival, an amendment)."""
    from joinedup.alerts.services import alerts_evaluate_people
    from joinedup.people.models import MentionLink

    people = set(MentionLink.objects.filter(mention_id__in=list(mention_ids), person__isnull=False)
                 .values_list("person_id", flat=True))
    if people:  # each child in its own transaction
        alerts_evaluate_people(person_ids=people, arrived_mention_ids=list(mention_ids) if arrived else None)
    return len(people)


@task()
def run_scheduled() -> dict:
    """`joinedup alerts run`: the time-based rules, then escalation."""
    from joinedup.alerts.services import alerts_escalate_overdue, alerts_run_scheduled

    actor = ActorRef.system(SCHEDULE_ACTOR)
    children, result = alerts_run_scheduled(actor=actor, progress=None)
    escalated, nobody = alerts_escalate_overdue(actor=actor)
    return {"children": children, "raised": result.raised, "updated": result.updated, "resolved": result.resolved,
            "escalated": escalated, "nobody_to_escalate_to": nobody}
