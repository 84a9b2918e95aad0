"""Marking views that show personal data, so the middleware can insist they were audited."""

import functools
from collections.abc import Callable

READS = ("GET", "HEAD")


def reads_personal_data(view: Callable) -> Callable:
    """Mark a view (function or class) as showing personal data: it must write an audit row.

    A function view answering GET or HEAD holds its audit rows to the end of its transaction
    (`audit.services.audit_at_end`): the chain's lock is then not held while the page renders.
    """
    if isinstance(view, type):
        view.reads_personal_data = True
        return view
    from joinedup.audit.services import audit_at_end

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in READS:
            return view(request, *args, **kwargs)
        with audit_at_end():
            return view(request, *args, **kwargs)

    wrapper.reads_personal_data = True
    return wrapper
