"""What each role sees in the menu and on their home page: data, not decisions in templates."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

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
    return [
        NavItem(text, href, current=(path == href if href == home else path.startswith(href)))
        for text, href in items
    ]


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
