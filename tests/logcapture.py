"""Reading what joinedup logs, for the tests that grep the logs for personal data (web and browser journeys)."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator

from django.db import connections
from django.db.backends.signals import connection_created


def console_handler() -> logging.Handler:
    """The configured console handler (the only one), with its real formatter and filters."""
    return next(h for h in logging.getLogger().handlers if getattr(h, "name", "") == "console")


@contextlib.contextmanager
def console_log_at_debug(*, new_connections: bool = False) -> Iterator[io.StringIO]:
    """The console handler writing into a buffer, every logger at DEBUG and every open database connection logging
    each statement; with `new_connections`, each connection opened meanwhile too (a live server's, one a request).
    Yields the buffer; everything is put back after."""
    console = console_handler()
    out = io.StringIO()
    stream = console.setStream(out)
    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in list(logging.root.manager.loggerDict))]
    levels = [(lg, lg.level) for lg in loggers]
    handler_level = console.level
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    console.setLevel(logging.DEBUG)

    def debug_cursor(sender, connection, **kwargs):
        connection.force_debug_cursor = True

    if new_connections:
        connection_created.connect(debug_cursor, weak=False, dispatch_uid="tests-logcapture-debug-cursor")
    here = [(c, c.force_debug_cursor) for c in connections.all()]
    for c, _ in here:
        c.force_debug_cursor = True
    try:
        yield out
    finally:
        if new_connections:
            connection_created.disconnect(dispatch_uid="tests-logcapture-debug-cursor")
        for c, was in here:
            c.force_debug_cursor = was
        for lg, level in levels:
            lg.setLevel(level)
        console.setLevel(handler_level)
        console.setStream(stream)
