"""Signing in and out. Sign-in is throttled by django-axes (see AXES_* settings)."""

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.views.decorators.http import require_GET

from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.web.forms import SignInForm


class SignInView(auth_views.LoginView):
    """The sign-in page; a successful sign-in is audited."""

    template_name = "web/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_event_record(actor=actor_for(form.get_user()), action=AuditAction.SIGN_IN,
                           object_type="user", object_id=form.get_user().pk)
        return response


class SignOutView(auth_views.LogoutView):
    """Signing out (POST only, with CSRF); audited before the session ends."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            audit_event_record(actor=actor_for(request.user), action=AuditAction.SIGN_OUT,
                               object_type="user", object_id=request.user.pk)
        return super().post(request, *args, **kwargs)


@require_GET
def signed_out(request):
    """Confirmation that the session has ended."""
    return render(request, "web/signed_out.html")
