"""Home, your account, colleagues and the audit trail."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from joinedup.access.policy import may_view_audit_trail, may_view_staff_directory
from joinedup.access.selectors import audit_events_for_viewer
from joinedup.accounts.selectors import users_visible_to
from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record, audit_read_many
from joinedup.web.forms import AuditFilterForm
from joinedup.web.navigation import ROLE_PURPOSE, home_cards_for


@require_GET
@login_required
def home(request):
    """A home page per role: what this person comes to joinedup to do."""
    user = request.user
    return render(request, "web/home.html", {
        "purpose": ROLE_PURPOSE.get(user.role, ""),
        "cards": home_cards_for(user),
    })


@require_GET
@login_required
@reads_personal_data
def account(request):
    """The signed-in user's own details."""
    audit_event_record(actor=actor_for(request.user), action=AuditAction.USER_VIEW,
                       object_type="user", object_id=request.user.pk)
    return render(request, "web/account.html", {"account": request.user})


@require_GET
@login_required
@reads_personal_data
def colleagues(request):
    """The staff directory of the user's own agency."""
    if not may_view_staff_directory(request.user):
        raise Http404
    page = Paginator(users_visible_to(viewer=request.user).order_by("last_name", "first_name", "id"), 50).get_page(
        request.GET.get("page")
    )
    audit_read_many(actor=actor_for(request.user), action=AuditAction.USER_LIST, object_type="user",
                    object_ids=[u.pk for u in page])
    return render(request, "web/colleagues.html", {"page": page})


@require_GET
@login_required
@reads_personal_data
def audit_trail(request):
    """The audit trail for data protection officers; anyone else gets 404 (not 403)."""
    if not may_view_audit_trail(request.user):
        raise Http404
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_events_for_viewer(
        viewer=request.user, action=filters.get("action", ""), actor_username=filters.get("actor", "")
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    audit_read_many(actor=actor_for(request.user), action=AuditAction.AUDIT_LIST, object_type="audit_event",
                    object_ids=[e.pk for e in page])
    return render(request, "web/audit_trail.html", {"page": page, "form": form})
