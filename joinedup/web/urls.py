"""Routes of the screens."""

from django.urls import path

from joinedup.web.views import auth, home, people

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path("sign-in/", auth.SignInView.as_view(), name="sign-in"),
    path("sign-out/", auth.SignOutView.as_view(), name="sign-out"),
    path("signed-out/", auth.signed_out, name="signed-out"),
    path("account/", home.account, name="account"),
    path("colleagues/", home.colleagues, name="colleagues"),
    path("audit/", home.audit_trail, name="audit-trail"),
    path("people/", people.person_search, name="person-search"),
    path("people/<uuid:person_id>/", people.person_detail, name="person"),
    path("review/", people.review_queue, name="review-queue"),
    path("review/<uuid:item_id>/", people.review_item, name="review-item"),
]
