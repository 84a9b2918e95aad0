"""Marking views that show personal data, so the middleware can insist they were audited."""

from collections.abc import Callable

from joinedup.core.reads import within_on_read


def reads_personal_data(view: Callable) -> Callable:
    """Mark a view (function or class) as showing personal data: it must write an audit row.

    A function view answering GET or HEAD holds its audit rows to the end of its transaction
    (`audit.services.audit_at_end`): the chain's lock is then not held while the page renders.
    """
    if isinstance(view, type):
        view.reads_personal_data = True
        return view
    from joinedup.audit.services import audit_at_end

    wrapper = within_on_read(view, audit_at_end)
    wrapper.reads_personal_data = True
    return wrapper
