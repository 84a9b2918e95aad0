"""Routes of the screens."""

from django.urls import path

from joinedup.web.views import (
    access,
    alerts,
    auth,
    cases,
    chronology,
    chronology_export,
    frontdoor,
    home,
    people,
    referrals,
    sightings,
)

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path("sign-in/", auth.SignInView.as_view(), name="sign-in"),
    path("sign-out/", auth.SignOutView.as_view(), name="sign-out"),
    path("signed-out/", auth.signed_out, name="signed-out"),
    path("sign-in/code/", auth.sign_in_code, name="sign-in-code"),
    path("sign-in/set-up/", auth.sign_in_set_up, name="sign-in-set-up"),
    path("sign-in/organisation/", auth.OrganisationSignInStart.as_view(), name="sign-in-organisation"),
    path("sign-in/organisation/callback/", auth.OrganisationSignInCallback.as_view(),
         name="sign-in-organisation-callback"),
    path("account/authenticator/", auth.sign_in_set_up, name="account-authenticator"),
    path("account/recovery-codes/", auth.account_recovery_codes, name="account-recovery-codes"),
    path("account/", home.account, name="account"),
    path("colleagues/", home.colleagues, name="colleagues"),
    path("audit/", home.audit_trail, name="audit-trail"),
    path("people/", people.person_search, name="person-search"),
    path("people/<uuid:person_id>/", people.person_detail, name="person"),
    path("sightings/<int:mention_id>/", sightings.sighting, name="sighting"),
    path("review/", people.review_queue, name="review-queue"),
    path("review/<uuid:item_id>/", people.review_item, name="review-item"),
    path("people/<uuid:person_id>/chronology/", chronology.chronology, name="chronology"),
    path("people/<uuid:person_id>/chronology/export/", chronology_export.chronology_export, name="chronology-export"),
    path("people/<uuid:person_id>/who-knew/", chronology.who_knew, name="who-knew"),
    path("people/<uuid:person_id>/records/<int:record_pk>/", chronology.record_detail, name="record"),
    path("people/<uuid:person_id>/allocate/", chronology.allocate, name="allocate"),
    path("lookup/", chronology.lookup, name="lookup"),
    path("notices/", chronology.notices, name="notices"),
    path("alerts/", alerts.inbox, name="alerts"),
    path("alerts/team/", alerts.team_inbox, name="alerts-team"),
    path("alerts/<uuid:alert_id>/", alerts.alert_detail, name="alert"),
    path("front-door/", frontdoor.queue, name="front-door"),
    path("contacts/new/", frontdoor.contact_new, name="contact-new"),
    path("contacts/<int:record_pk>/", frontdoor.contact_detail, name="contact"),
    path("cases/<uuid:case_id>/", cases.case_detail, name="case"),
    path("cases/<uuid:case_id>/steps/<slug:step>/", cases.case_step, name="case-step"),
    path("referrals/", referrals.referrals, name="referrals"),
    path("referrals/new/", referrals.referral_new, name="referral-new"),
    path("access/claim/", access.claim, name="claim"),
    path("access/claims/<uuid:claim_id>/end/", access.claim_end, name="claim-end"),
    path("access/claims/", access.claims_review, name="claims-review"),
    path("people/<uuid:person_id>/commission/", access.commission_new, name="commission"),
]

# Practice (issue 13): each part keeps its own routes.
from joinedup.web.practice_urls import concerns, dashboards, meetings, supervision, visits  # noqa: E402

for _part in (visits, supervision, meetings, concerns, dashboards):
    urlpatterns += _part.urlpatterns

# Sealed records (issue 15, security promise 3).
from joinedup.web.views import sealing  # noqa: E402

urlpatterns += [
    path("people/<uuid:person_id>/seal/", sealing.person_seal, name="person-seal"),
    path("sealed/", sealing.register, name="sealed"),
    path("sealed/request/", sealing.unseal_request, name="unseal-request"),
]

# Statutory returns and data quality (issue 17).
from joinedup.web.views import returns  # noqa: E402

urlpatterns += [
    path("returns/", returns.returns_page, name="returns"),
    path("returns/runs/<uuid:run_id>/", returns.run_detail, name="return-run"),
    path("returns/runs/<uuid:run_id>/status/", returns.run_status, name="return-run-status"),
    path("returns/runs/<uuid:run_id>/download/", returns.run_download, name="return-run-download"),
    path("data-quality/", returns.data_quality, name="data-quality"),
]

# The system administrator's screens (issue 19): agencies, teams, accounts, API tokens; and setting a password with a
# one-time link.
from joinedup.web.views import admin_screens  # noqa: E402

urlpatterns += [
    path("administration/agencies/", admin_screens.agencies, name="admin-agencies"),
    path("administration/agencies/new/", admin_screens.agency_new, name="admin-agency-new"),
    path("administration/agencies/<uuid:agency_id>/", admin_screens.agency_detail, name="admin-agency"),
    path("administration/agencies/<uuid:agency_id>/teams/new/", admin_screens.team_new, name="admin-team-new"),
    path("administration/teams/<uuid:team_id>/", admin_screens.team_detail, name="admin-team"),
    path("administration/users/", admin_screens.users, name="admin-users"),
    path("administration/users/new/", admin_screens.user_new, name="admin-user-new"),
    path("administration/users/new-system/", admin_screens.user_new, {"system": True}, name="admin-system-account-new"),
    path("administration/users/<uuid:user_id>/", admin_screens.user_detail, name="admin-user"),
    path("administration/users/<uuid:user_id>/deactivate/", admin_screens.user_deactivate, name="admin-user-deactivate"),
    path("administration/users/<uuid:user_id>/reactivate/", admin_screens.user_reactivate, name="admin-user-reactivate"),
    path("administration/users/<uuid:user_id>/password/", admin_screens.user_password, name="admin-user-password"),
    path("administration/tokens/", admin_screens.tokens, name="admin-tokens"),
    path("administration/tokens/new/", admin_screens.token_new, name="admin-token-new"),
    path("administration/tokens/<uuid:token_id>/revoke/", admin_screens.token_revoke, name="admin-token-revoke"),
    path("account/set-password/", admin_screens.set_password, name="set-password"),
]
