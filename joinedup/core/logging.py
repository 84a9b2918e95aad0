"""Logging helpers: stamp every log line with the request id, and keep personal data out of every line.

A log line names requests, records and people by their ids only. What could carry a person's name, NHS number, date
of birth or address into a log is withheld where it is formatted, whoever logged it:
- a URL's query string (`/people/?name=…` in a server's request line, a Referer, an error message) — joinedup never
  puts identifiers in a URL (search and look-up take them in a POST body), but a bookmark or a hand-typed URL may;
- an exception's message (a database error's DETAIL quotes the row, a ValueError may quote a value, a template's
  failed lookup quotes the object): a logged exception shows its type and where it was raised, never its message;
- the SQL Django logs at DEBUG when the database cursor is in debug mode (`DEBUG = True`): its text and parameters,
  which carry the values searched for and stored (`WithholdSqlFilter`, on the `django.db.backends` loggers).

Lines are JSON, one object a line (`JsonFormatter`: time, level, logger, request id, message; a request's own line,
logged by `joinedup.core.middleware.RequestIdMiddleware`, adds its method, path, route, status and duration), or the
older plain text with `JOINEDUP_LOG_FORMAT=plain`. `joinedup serve` gives gunicorn's own log the same formatter
(`joinedup.core.gunicorn_logging`), and an access log format without the query string or the Referer should an operator
turn gunicorn's access log on (joinedup's request lines make it unnecessary).
"""

from __future__ import annotations

import json
import logging
import os
import re
import traceback
from datetime import UTC, datetime

from joinedup.core.context import current_request_id

QUERY_WITHHELD = "?[query withheld]"
EXCEPTION_MESSAGE_WITHHELD = "(message withheld: it may hold personal data)"
SQL_WITHHELD = "(%.3f) SQL statement; its text and parameters are withheld (they may hold personal data); alias=%s"

# "/path?query" anywhere in a line (a request line, a Referer, "http://host/path?query"): the query is withheld.
_URL_QUERY = re.compile(r"(?P<path>/[^\s?\"'#<>]*)\?[^\s\"'#<>]*")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to log records so a log line can be matched to its audit rows."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True


def without_query_strings(text: str) -> str:
    """The text with the query string of every URL path in it withheld."""
    return _URL_QUERY.sub(lambda m: m.group("path") + QUERY_WITHHELD, text)


def traceback_without_messages(exc_info) -> str:
    """A traceback (every exception in the chain: where it was raised, and its type) without any exception's message."""
    _type, value, tb = exc_info
    if value is None:
        return f"{getattr(_type, '__qualname__', _type)}: {EXCEPTION_MESSAGE_WITHHELD}"
    chain, seen, exc = [], set(), value
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append(exc)
        exc = exc.__cause__ if exc.__cause__ is not None else (None if exc.__suppress_context__ else exc.__context__)
    parts = []
    for n, exc in enumerate(reversed(chain)):
        if n:
            parts.append("\nThe exception above led to this one:\n\n")
        frames = traceback.extract_tb(exc.__traceback__ if exc is not value or tb is None else tb)
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_list(frames))
        kind = type(exc)
        name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
        parts.append(f"{name}: {EXCEPTION_MESSAGE_WITHHELD}\n")
    return "".join(parts).rstrip("\n")


class SafeFormatter(logging.Formatter):
    """A formatter that withholds what may carry personal data: URLs' query strings and exceptions' messages."""

    def format(self, record: logging.LogRecord) -> str:
        cached = record.exc_text  # another handler's formatter may have cached the full traceback: never reuse it
        record.exc_text = None
        try:
            return without_query_strings(super().format(record))
        finally:
            record.exc_text = cached

    def formatException(self, ei) -> str:
        return traceback_without_messages(ei)


class JsonFormatter(SafeFormatter):
    """One JSON object a line: `time` (UTC, milliseconds), `level`, `logger`, `request_id`, `message` and, for a
    logged exception, `exception` (its traceback without messages); a request's line adds `REQUEST_FIELDS`. What
    `SafeFormatter` withholds is withheld here too. Not ASCII-escaped: a name logged by mistake reads as itself."""

    REQUEST_FIELDS = ("method", "path", "route", "status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds").replace(
                "+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or current_request_id() or "-",
            "message": without_query_strings(record.getMessage()),
        }
        for name in self.REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = without_query_strings(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = traceback_without_messages(record.exc_info)
        if record.stack_info:
            entry["stack"] = without_query_strings(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_format() -> str:
    """"json" (the default: one JSON object a line) or "plain" (`JOINEDUP_LOG_FORMAT=plain`, for reading by eye)."""
    chosen = os.environ.get("JOINEDUP_LOG_FORMAT", "json").strip().lower() or "json"
    if chosen not in ("json", "plain"):
        raise ValueError(f"JOINEDUP_LOG_FORMAT: {chosen!r} is not 'json' or 'plain'")
    return chosen


class WithholdSqlFilter(logging.Filter):
    """On the `django.db.backends` loggers (and handlers): a logged SQL statement keeps its duration and database
    alias; its text and parameters (names, NHS numbers, dates of birth searched for or stored) are withheld."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("django.db") and (hasattr(record, "sql") or hasattr(record, "params")):
            record.msg, record.args = SQL_WITHHELD, (float(getattr(record, "duration", 0.0) or 0.0),
                                                     getattr(record, "alias", ""))
            record.sql = record.params = "(withheld)"
        return True


def logging_config(level: str = "INFO", fmt: str = "json") -> dict:
    """The LOGGING setting: one console handler, every line with its request id, nothing personal in any line; each
    line a JSON object (`fmt="json"`) or plain text."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "joinedup.core.logging.RequestIdFilter"},
            "withhold_sql": {"()": "joinedup.core.logging.WithholdSqlFilter"},
        },
        "formatters": {
            "plain": {"()": "joinedup.core.logging.SafeFormatter",
                      "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {"()": "joinedup.core.logging.JsonFormatter"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": fmt,
                        "filters": ["request_id", "withhold_sql"]},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "axes": {"level": "WARNING"},
            # The task queue's worker loop (joinedup.jobs.worker) says "starting" and "no more tasks" each poll,
            # five times a second: its warnings and errors only (a failed task is logged by django-tasks, `django_tasks`).
            "django_tasks_db": {"level": "WARNING"},
            "django.request": {"level": "ERROR"},
            "django.db.backends": {"filters": ["withhold_sql"]},
            "django.db.backends.schema": {"filters": ["withhold_sql"]},
        },
    }
