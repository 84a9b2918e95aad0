"""Alerts on arrival: when records have been attached to people, evaluate the children they touch.

Records received through the API are matched by the worker after the ingest commits (`people.tasks`); the matching
queues the judging of their children's alerts (`alerts.tasks.evaluate_mentions`, ahead of other waiting work) in its
own transaction, so the task row commits with the links or not at all, and the worker runs it next: an alert is
visible once it has (well under a second on a steady arrival rate: `joinedup bench arrival`). Each child is judged in
a transaction of its own, apart from the matching's, which on SQLite holds the write lock only from its first write
(`core.transactions.reads_then_writes`). A failure is logged and does not undo the matching.
A correction received through the API that no longer names someone (a withdrawn mention) queues the people it
used to name to be judged again (`alerts.tasks.evaluate_mentions`), so an alert resting on it is updated or
closed. After a batch linkage run
(`joinedup link`, after a file load) the children whose links changed are evaluated one transaction
each, with progress. When the sender names the mentions that arrived (`mention_ids`), each record is judged
at its own day and a back-dated record does not raise a time-based rule at the wall clock
(`alerts.services.alerts_evaluate_for_person`).
"""

import logging

from django.db import transaction
from django.dispatch import receiver

from joinedup.ingest.signals import mentions_ingested
from joinedup.people.signals import persons_linked

logger = logging.getLogger(__name__)


@receiver(persons_linked, dispatch_uid="alerts.evaluate_linked")
def evaluate_linked(sender, *, person_ids, via, actor=None, progress=None, mention_ids=None, **kwargs):
    """`mention_ids` (when the sender names the mentions that arrived) judges each record at its own day
    (`alerts_evaluate_for_person`, docs/alerts-operations.md "A record's own time")."""
    from joinedup.alerts.services import alerts_evaluate_people

    if not person_ids:
        return
    if via == "api" and mention_ids:
        from joinedup.alerts.tasks import evaluate_mentions

        evaluate_mentions.enqueue(list(mention_ids), True)  # the people the mentions name now; each at its own day
        return
    if via == "api":
        try:
            with transaction.atomic():
                alerts_evaluate_people(person_ids=person_ids, arrived_mention_ids=mention_ids)
        except Exception:
            logger.exception("alerts: evaluation on arrival failed for %d people", len(person_ids))
        return
    if progress is not None:
        progress(f"Evaluating alerts for the children of {len(person_ids):,} people whose links changed…")
    alerts_evaluate_people(person_ids=person_ids, progress=progress, arrived_mention_ids=mention_ids)


@receiver(mentions_ingested, dispatch_uid="alerts.evaluate_withdrawn")
def evaluate_withdrawn(sender, *, withdrawn_mention_ids=(), via, **kwargs):
    """A new version that no longer names someone: their people are judged again."""
    if via == "api" and withdrawn_mention_ids:
        _evaluate_people_of(withdrawn_mention_ids, arrived=False, what="a withdrawal")


@receiver(mentions_ingested, dispatch_uid="alerts.evaluate_amended")
def evaluate_amended(sender, *, amended_mention_ids=(), via, **kwargs):
    """A new version of a record that changed only its detail (an explanation corrected, an outcome added):
    its people are judged again, the record at its own day, as when it first arrived."""
    if via == "api" and amended_mention_ids:
        _evaluate_people_of(amended_mention_ids, arrived=True, what="an amended record")


def _evaluate_people_of(mention_ids, *, arrived: bool, what: str) -> None:
    """Queued in the ingest transaction (`alerts.tasks.evaluate_mentions`); the worker judges them after the commit."""
    from joinedup.alerts.tasks import evaluate_mentions

    evaluate_mentions.enqueue(list(mention_ids), arrived)
