"""Background work of the returns app, run by `joinedup worker` (docs/operations.md, "Background work"; ADR 0017).

- `produce`: make the return a performance officer asked for on the page. The page writes the run's status row and
  queues this task; the page polls the row while the worker makes the file (a minute for a large authority), so no
  request is held open for it. A worker stopped mid-run leaves the row running: after `runs.STALE_AFTER` without a
  progress write the page shows it stopped and another run may start.
"""

from __future__ import annotations

from django_tasks import task


@task()
def produce(run_id: str, user_id: str) -> dict:
    """Produce the run's return as the user who asked for it (their agency and audit name)."""
    from django.contrib.auth import get_user_model

    from joinedup.returns.models import ReturnRun
    from joinedup.returns.runs import run_execute

    run = ReturnRun.objects.filter(pk=run_id, status=ReturnRun.Status.RUNNING).first()
    if run is None:  # already produced, or stopped and started again
        return {"run": run_id, "status": "not running"}
    user = get_user_model().objects.get(pk=user_id)
    run = run_execute(run, user=user)
    return {"run": run_id, "status": run.status}
