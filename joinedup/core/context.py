"""Per-request context: the request id that ties log lines and audit rows together."""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RequestContext:
    """What joinedup knows about the request being served; `audit_count` counts audit rows written (or held to be
    written at the end of the page: `audit.services.audit_at_end`, which keeps them in `held_audit`)."""

    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    audit_count: int = 0
    held_audit: list[Any] | None = None
    held_audit_depth: int = 0


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "joinedup_request_context", default=None
)


def current() -> RequestContext | None:
    """The context of the request being served, or None outside a request (commands, jobs)."""
    return _current.get()


def begin(request_id: str | None = None) -> contextvars.Token:
    """Start a new request context; return the token that `end` needs."""
    ctx = RequestContext(request_id=request_id) if request_id else RequestContext()
    return _current.set(ctx)


def end(token: contextvars.Token) -> None:
    """Leave the request context started by `begin`."""
    _current.reset(token)


def current_request_id() -> str:
    """The request id to record, or an empty string outside a request."""
    ctx = _current.get()
    return ctx.request_id if ctx else ""
