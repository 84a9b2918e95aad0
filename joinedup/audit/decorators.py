"""Marking views that show personal data, so the middleware can insist they were audited."""

from collections.abc import Callable


def reads_personal_data(view: Callable) -> Callable:
    """Mark a view (function or class) as showing personal data: it must write an audit row."""
    view.reads_personal_data = True
    return view
