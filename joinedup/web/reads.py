"""A page that only reads asks each person's relationships once (`access.relationships.remembered`)."""

from __future__ import annotations

import functools

from joinedup.access.relationships import remembered

READS = ("GET", "HEAD")


def relationships_remembered_on_read(view):
    """On GET and HEAD, the view and the selectors it calls share one answer per person to "what relationships has
    the viewer to them?" (the chronology's view and selectors asked it six times: `joinedup bench load`). Other methods
    may change a relationship, so they ask afresh."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in READS:
            return view(request, *args, **kwargs)
        with remembered():
            return view(request, *args, **kwargs)

    return wrapper
