"""What each role sees in the menu and on their home page: data, not decisions in templates."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from joinedup.access.policy import (
    may_look_up_child_status,
    may_look_up_people,
    may_receive_notices,
    may_review_matches,
    may_view_audit_trail,
    may_view_staff_directory,
)
from joinedup.accounts.models import Role
from joinedup.alerts.selectors import may_view_alerts
from joinedup.alerts.selectors import unread_count as alert_unread_count
from joinedup.casework.relationships import may_make_referral, may_record_contact, may_view_front_door
from joinedup.practice import relationships as practice


@dataclass(frozen=True)
class NavItem:
    """One menu entry."""

    text: str
    href: str
    current: bool = False


@dataclass(frozen=True)
class HomeCard:
    """One block on a home page: what this role comes here to do, and where to do it."""

    title: str
    body: str
    href: str = ""
    link_text: str = ""


def navigation_for(user, path: str) -> list[NavItem]:
    """The menu for a signed-in user; the entry for the current page is marked."""
    items = [("Home", reverse("web:home"))]
    if may_view_front_door(user):
        items.append(("Front door", reverse("web:front-door")))
    if may_make_referral(user):
        items.append(("Make a referral", reverse("web:referral-new")))
        items.append(("Your referrals", reverse("web:referrals")))
    items += _practice_items(user)
    if may_look_up_people(user):
        items.append(("Find a person", reverse("web:person-search")))
    if may_look_up_child_status(user):
        items.append(("Look up a child", reverse("web:lookup")))
    if may_receive_notices(user):
        items.append(("Notices", reverse("web:notices")))
    if may_view_alerts(user):
        unread = alert_unread_count(viewer=user)
        items.append((f"Alerts ({unread} new)" if unread else "Alerts", reverse("web:alerts")))
    if may_review_matches(user):
        items.append(("Matches to review", reverse("web:review-queue")))
    if may_view_staff_directory(user):
        items.append(("Colleagues", reverse("web:colleagues")))
    if may_view_audit_trail(user):
        items.append(("Audit trail", reverse("web:audit-trail")))
    items.append(("Your account", reverse("web:account")))
    home = reverse("web:home")
    # The entry whose address is the longest start of the path is current ("/referrals/new/" is "Make a
    # referral", not also "Your referrals").
    matches = [href for _text, href in items if (path == href if href == home else path.startswith(href))]
    current = max(matches, key=len) if matches else None
    return [NavItem(text, href, current=href == current) for text, href in items]


def _href(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _practice_items(user) -> list[tuple[str, str]]:
    """Practice (issue 13): a worker's caseload, supervision, meetings, concerns, the managers' dashboard."""
    wanted = []
    if user.is_authenticated and user.role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER) and practice._csc(user):
        wanted.append(("Your caseload", "web:my-cases"))
    if practice.may_record_supervision(user) or (practice._csc(user) and user.role == Role.SOCIAL_WORKER):
        wanted.append(("Supervision", "web:supervision"))
    if practice.may_record_meeting(user, "") or practice.may_record_meeting(user, "partnership"):
        wanted.append(("Meetings", "web:meetings"))
    if practice.may_record_concern(user):
        wanted.append(("Concerns", "web:concerns"))
    if practice.may_view_team_dashboard(user):
        wanted.append(("Dashboard", "web:dashboard"))
    return [(text, href) for text, name in wanted if (href := _href(name)) is not None]


ROLE_PURPOSE: dict[str, str] = {
    Role.SOCIAL_WORKER: "Your caseload, the whole multi-agency picture of each child, visits and alerts.",
    Role.TEAM_MANAGER: "Your team's caseloads, supervision, escalations and allocation.",
    Role.FRONT_DOOR: "Incoming contacts and referrals, what partners already know, and decisions within a working day.",
    Role.PARTNER_PRACTITIONER: "Look a child up, learn whether there is a plan and whom to call, and see that what you sent was received.",
    Role.PARTNERSHIP_MEMBER: "Multi-agency meetings, minutes with disagreements recorded, and audits.",
    Role.DATA_PROTECTION_OFFICER: "Who saw what and why, break-glass reviews and sharing decisions.",
    Role.HEAD_OF_SERVICE: "Demand, capacity, timeliness and statutory returns.",
    Role.CASE_REVIEWER: "Pseudonymised multi-agency chronologies for case reviews.",
    Role.SYSTEM_ADMINISTRATOR: "Agencies, teams, users and the credentials agencies' systems use.",
}


def home_cards_for(user) -> list[HomeCard]:
    """The blocks of a user's home page, chosen by what their role and permissions allow."""
    cards = [
        HomeCard(
            title="Your account",
            body=f"{user.get_role_display() or 'No role'} at {user.agency or 'no agency'}"
            + (f", {user.team.name}" if user.team_id else "") + ".",
            href=reverse("web:account"),
            link_text="Check your details",
        )
    ]
    if may_view_front_door(user):
        cards.append(HomeCard(
            title="Front door",
            body="Open contacts with their ratings and the time left on each clock, overdue first; what every "
                 "partner already holds on the child; decisions within one working day.",
            href=reverse("web:front-door"),
            link_text="Go to the front door",
        ))
    if may_record_contact(user):
        cards.append(HomeCard(
            title="Record a contact",
            body="Someone is worried about a child: find the child, say who raised it and what the concern is.",
            href=reverse("web:contact-new"),
            link_text="Record a contact",
        ))
    if may_make_referral(user):
        cards.append(HomeCard(
            title="Make a referral",
            body="Raise a concern about a child with children's social care. You will see what they decide.",
            href=reverse("web:referral-new"),
            link_text="Make a referral",
        ))
        cards.append(HomeCard(
            title="Your referrals",
            body="The referrals you made and what the front door decided about each.",
            href=reverse("web:referrals"),
            link_text="See your referrals",
        ))
    if may_look_up_people(user):
        cards.append(HomeCard(
            title="Find a person",
            body="One person across every agency: their records, and who lived with them and when.",
            href=reverse("web:person-search"),
            link_text="Find a person",
        ))
    if may_look_up_child_status(user):
        cards.append(HomeCard(
            title="Look up a child",
            body="Is the child on a child protection plan or looked after, and whom to call. Their social worker is told.",
            href=reverse("web:lookup"),
            link_text="Look up a child",
        ))
    if may_view_alerts(user):
        cards.append(HomeCard(
            title="Alerts",
            body="Named rules that found something in a child's records across agencies: why, and the records behind "
                 "it. You decide what to do.",
            href=reverse("web:alerts"),
            link_text="See your alerts",
        ))
    if may_review_matches(user):
        cards.append(HomeCard(
            title="Matches to review",
            body="Records that may be about the same person. Nothing is joined until someone decides.",
            href=reverse("web:review-queue"),
            link_text="Review matches",
        ))
    if may_view_staff_directory(user):
        cards.append(HomeCard(
            title="Colleagues",
            body=f"People in {user.agency} you can contact.",
            href=reverse("web:colleagues"),
            link_text="See colleagues",
        ))
    if may_view_audit_trail(user):
        cards.append(HomeCard(
            title="Audit trail",
            body="Every view and change of personal data: who, which agency and role, what, why and when.",
            href=reverse("web:audit-trail"),
            link_text="Review the audit trail",
        ))
    return cards
