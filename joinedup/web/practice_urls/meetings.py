"""Routes of the meetings screens (issue 13): the list, starting minutes, the minutes (written there a form at a
time), each decision's positions, escalating a dissent and an escalation's outcome."""

from django.urls import path

from joinedup.web.views import meetings

urlpatterns: list = [
    path("meetings/", meetings.meeting_list, name="meetings"),
    path("meetings/new/", meetings.meeting_new, name="meeting-new"),
    path("meetings/<uuid:meeting_id>/", meetings.meeting_detail, name="meeting"),
    path("meetings/<uuid:meeting_id>/decisions/<int:number>/", meetings.meeting_positions, name="meeting-positions"),
    path("meetings/<uuid:meeting_id>/dissents/<int:position_id>/escalate/", meetings.meeting_escalate,
         name="meeting-escalate"),
    path("meetings/escalations/<int:escalation_id>/", meetings.escalation_detail, name="meeting-escalation"),
]
