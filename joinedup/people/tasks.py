"""Background work of the people app, run by `joinedup worker` (the task queue: docs/operations.md, "Background
work"; ADR 0017).

- `match_mentions`: online matching of the mentions an API batch stored. Enqueued in the ingest transaction
  (`people.receivers`), so the task row commits with the records or not at all; the worker runs it after the commit.
- `link_if_needed`: a batch linkage run when current mentions wait unlinked (after a file ingest, and on the
  schedule).

Each runs in its own transaction: a failure rolls back the task's writes only, is logged and kept as the task's
result, and the schedule's `link_if_needed` picks up what it left.
"""

from __future__ import annotations

import dataclasses
import uuid

from django.db import transaction
from django_tasks import task

from joinedup.core.actor import ActorRef


def actor_json(actor: ActorRef) -> dict:
    """An ActorRef as a task's JSON argument."""
    return {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in dataclasses.asdict(actor).items()}


def actor_from(data: dict) -> ActorRef:
    return ActorRef(**{k: (uuid.UUID(v) if k in ("id", "agency_id") and v else v) for k, v in data.items()})


@task()
def match_mentions(mention_ids: list[int], actor: dict) -> dict:
    """Attach the mentions to people (and, through `persons_linked`, evaluate their alerts)."""
    from joinedup.people.services import mentions_match_online

    with transaction.atomic():
        return mentions_match_online(mention_ids=list(mention_ids), actor=actor_from(actor))


@task()
def link_if_needed(reason: str = "schedule") -> dict:
    """A batch linkage run, when current mentions wait unlinked (or no model is trained yet)."""
    from joinedup.people.services import linkage_needed, linkage_run

    if not linkage_needed():
        return {"ran": False}
    run = linkage_run(actor=ActorRef.system(f"joinedup worker ({reason})"), progress=lambda line: None)
    return {"ran": True, "mentions": run.mentions, "persons": run.persons, "links_changed": run.links_changed}
