"""API routes for meetings (issue 13): minutes, their drafts, approval, corrections, and escalated dissent."""

from django.urls import path

from joinedup.api.practice import meetings

urlpatterns: list = [
    path("meetings/", meetings.MeetingListView.as_view(), name="meeting-list"),
    path("meetings/<uuid:meeting_id>/", meetings.MeetingDetailView.as_view(), name="meeting-detail"),
    path("meetings/<uuid:meeting_id>/approval/", meetings.MeetingApprovalView.as_view(), name="meeting-approval"),
    path("meetings/<uuid:meeting_id>/corrections/", meetings.MeetingCorrectionView.as_view(),
         name="meeting-correction"),
    path("meetings/<uuid:meeting_id>/escalations/", meetings.DissentEscalationView.as_view(),
         name="meeting-escalation-create"),
    path("meeting-escalations/", meetings.EscalationListView.as_view(), name="meeting-escalation-list"),
    path("meeting-escalations/<int:escalation_id>/outcome/", meetings.EscalationOutcomeView.as_view(),
         name="meeting-escalation-outcome"),
]
