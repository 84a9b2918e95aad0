"""Running a view inside a context on GET and HEAD only (a page that only reads), asking afresh on other methods."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager

READS = ("GET", "HEAD")


def within_on_read(view: Callable, context: Callable[[], AbstractContextManager]) -> Callable:
    """`view` run inside `context()` when the request only reads (GET, HEAD); as it is otherwise."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in READS:
            return view(request, *args, **kwargs)
        with context():
            return view(request, *args, **kwargs)

    return wrapper
