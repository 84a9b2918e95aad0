"""Background work of the people app, run by `joinedup worker` (the task queue: docs/operations.md, "Background
work"; ADR 0017).

- `match_mentions`: online matching of the mentions an API batch stored. Enqueued in the ingest transaction
  (`people.receivers`), so the task row commits with the records or not at all; the worker runs it after the commit.
  It reads before it writes (the model, the mentions, each one's candidates and scores) and, on SQLite, takes the
  write lock only at its first write (`core.transactions.reads_then_writes`), so the API's requests do not wait
  while it reads. The children's alerts are judged by a task of their own, queued in its transaction
  (`alerts.receivers`, `alerts.tasks.evaluate_mentions`).
- `link_if_needed`: a batch linkage run when current mentions wait unlinked (after a file ingest, and on the
  schedule).

Each runs in its own transaction: a failure rolls back the task's writes only, is logged and kept as the task's
result, and the schedule's `link_if_needed` picks up what it left.
"""

from __future__ import annotations

import dataclasses
import uuid

from django_tasks import task

from joinedup.core.actor import ActorRef
from joinedup.core.transactions import reads_then_writes


def actor_json(actor: ActorRef) -> dict:
    """An ActorRef as a task's JSON argument."""
    return {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in dataclasses.asdict(actor).items()}


def actor_from(data: dict) -> ActorRef:
    return ActorRef(**{k: (uuid.UUID(v) if k in ("id", "agency_id") and v else v) for k, v in data.items()})


@task()
def match_mentions(mention_ids: list[int], actor: dict) -> dict:
    """Attach the mentions to people (and, through `persons_linked`, queue the judging of their alerts)."""
    from joinedup.people.services import mentions_match_online

    return reads_then_writes(mentions_match_online, mention_ids=list(mention_ids), actor=actor_from(actor))


@task()
def link_if_needed(reason: str = "schedule") -> dict:
    """A batch linkage run, when current mentions wait unlinked (or no model is trained yet)."""
    from joinedup.people.services import linkage_needed, linkage_run

    if not linkage_needed():
        return {"ran": False}
    run = linkage_run(actor=ActorRef.system(f"joinedup worker ({reason})"), progress=lambda line: None)
    return {"ran": True, "mentions": run.mentions, "persons": run.persons, "links_changed": run.links_changed}
