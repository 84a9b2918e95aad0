"""Background work of the audit app, run by `joinedup worker` on its schedule (ADR 0017)."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def verify_chain() -> dict:
    """`joinedup audit verify`: walk the hash chain; a break is logged as an error (and is the task's result)."""
    from joinedup.audit.verify import chain_verify

    result = chain_verify()
    if not result.ok:
        logger.error("audit: the hash chain is broken at row %s (position %s): %s", result.broken.id,
                     result.broken.position, result.broken.problem)
    return {"rows": result.rows, "ok": result.ok, "head_position": result.head_position}
