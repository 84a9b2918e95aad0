"""A page that only reads asks each person's relationships once (`access.relationships.remembered`)."""

from __future__ import annotations

from joinedup.access.relationships import remembered
from joinedup.core.reads import within_on_read


def relationships_remembered_on_read(view):
    """On GET and HEAD, the view and the selectors it calls share one answer per person to "what relationships has
    the viewer to them?" (the chronology's view and selectors asked it six times: `joinedup bench load`). Other methods
    may change a relationship, so they ask afresh."""
    return within_on_read(view, remembered)
