"""What each role sees in the menu and on their home page: data, not decisions in templates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from joinedup.access import policy, sealing
from joinedup.access.policy import (
    may_administer_accounts,
    may_look_up_child_status,
    may_look_up_people,
    may_produce_returns,
    may_receive_notices,
    may_review_matches,
    may_view_audit_trail,
    may_view_data_quality,
    may_view_staff_directory,
)
from joinedup.accounts.models import Role
from joinedup.alerts.selectors import inbox_landing as alert_inbox_landing
from joinedup.alerts.selectors import may_view_alerts
from joinedup.alerts.selectors import unread_count as alert_unread_count
from joinedup.casework.relationships import may_make_referral, may_record_contact, may_view_front_door
from joinedup.practice import relationships as practice


@dataclass(frozen=True)
class NavItem:
    """One menu entry. `more`: listed under the menu's "More" (the row would not fit on one line otherwise)."""

    text: str
    href: str
    current: bool = False
    more: bool = False


# The menu is one row at 1,280 px wide (the page's 960 px column): each entry is estimated at 8 px a character
# of its label (Arial at 16 px is narrower, about 7.3) and 20 px between entries. When a role's entries would not
# fit, the ones used least are listed under "More", in this order, until the row fits.
MENU_ROW_PX = 960
MENU_CHAR_PX = 8
MENU_GAP_PX = 20
MENU_MORE_PX = 48  # "More" and its arrow
ALERTS_LABEL_CHARS = len("Alerts (999 new)")  # the count changes: the row is judged with the longest it shows
MORE_FIRST = ("web:colleagues", "web:data-quality", "web:review-queue", "web:lookup", "web:notices",
              "web:audit-trail", "web:claims-review", "web:admin-tokens", "web:returns", "web:concerns",
              "web:meetings", "web:supervision", "web:referrals")


@dataclass(frozen=True)
class HomeCard:
    """One block on a home page: what this role comes here to do, and where to do it."""

    title: str
    body: str
    href: str = ""
    link_text: str = ""


def navigation_for(user, path: str) -> list[NavItem]:
    """The menu for a signed-in user; the entry for the current page is marked. The home page is the service name
    in the header, and the user's account and signing out are at the header's right (base.html)."""
    items = []
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
    if may_view_alerts(user):  # the count is the new alerts the page it opens lists (a front door: its team's)
        unread = alert_unread_count(viewer=user)
        items.append((f"Alerts ({unread} new)" if unread else "Alerts", _alerts_href(user)))
    if may_review_matches(user):
        items.append(("Matches to review", reverse("web:review-queue")))
    if may_produce_returns(user):
        items.append(("Statutory returns", reverse("web:returns")))
    if may_view_data_quality(user):
        items.append(("Data quality", reverse("web:data-quality")))
    if may_view_staff_directory(user):
        items.append(("Colleagues", reverse("web:colleagues")))
    if may_view_audit_trail(user):
        items.append(("Audit trail", reverse("web:audit-trail")))
    if policy.may_review_access_claims(user):
        items.append(("Break-glass reviews", reverse("web:claims-review")))
    if may_administer_accounts(user):
        items += [("Agencies", reverse("web:admin-agencies")), ("Users", reverse("web:admin-users")),
                  ("API tokens", reverse("web:admin-tokens"))]
    # The entry whose address is the longest start of the path is current ("/referrals/new/" is "Make a
    # referral", not also "Your referrals").
    matches = [href for _text, href in items if path.startswith(href)]
    current = max(matches, key=len) if matches else None
    more = _under_more(items)
    return [NavItem(text, href, current=href == current, more=href in more) for text, href in items]


def _label_px(text: str) -> int:
    chars = ALERTS_LABEL_CHARS if text.startswith("Alerts") else len(text)
    return chars * MENU_CHAR_PX


def _under_more(items: list[tuple[str, str]]) -> set[str]:
    """The addresses of the entries listed under "More": none when the row fits, else the least used first."""
    def width(shown: list[tuple[str, str]], more: bool) -> int:
        entries = [_label_px(text) for text, _href in shown] + ([MENU_MORE_PX] if more else [])
        return sum(entries) + MENU_GAP_PX * (len(entries) - 1)

    if width(items, more=False) <= MENU_ROW_PX:
        return set()
    order = [href for name in MORE_FIRST if (href := _href(name)) is not None]
    moved: set[str] = set()
    for href in order:
        if not any(h == href for _t, h in items):
            continue
        moved.add(href)
        if width([i for i in items if i[1] not in moved], more=True) <= MENU_ROW_PX:
            break
    return moved


def _alerts_href(user) -> str:
    """The inbox a user works: a front-door team's members their team's, everyone else their own."""
    return reverse("web:alerts-team" if alert_inbox_landing(user) == "team" else "web:alerts")


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
    if practice.may_see_concerns_log(user):
        wanted.append(("Concerns", "web:concerns"))
    if _has_dashboard(user):
        wanted.append(("Dashboard", "web:dashboard"))
    return [(text, href) for text, name in wanted if (href := _href(name)) is not None]


# Each role's home page in a sentence. It promises only what a card on that page opens (tests/web/test_home_promises.py
# follows every link and maps each phrase to the page that keeps it).
ROLE_PURPOSE: dict[str, str] = {
    Role.SOCIAL_WORKER: "Your caseload, the whole multi-agency picture of each child, visits due and alerts.",
    Role.TEAM_MANAGER: "Your team's caseloads and visits due, supervision, alerts escalated to you and the dashboard.",
    Role.FRONT_DOOR: "Incoming contacts and referrals, what partners already know, and decisions within a working day.",
    Role.PARTNER_PRACTITIONER: "Look a child up, learn whether there is a plan and whom to call, and see what the "
                               "front door decided about your referrals.",
    Role.PARTNERSHIP_MEMBER: "Multi-agency meetings, minutes with disagreements recorded, and concerns from anyone.",
    Role.DATA_PROTECTION_OFFICER: "Who saw what and why, self-claims and break-glass to review, unsealings to review "
                                  "and the concerns log.",
    Role.HEAD_OF_SERVICE: "Demand, capacity and timeliness across the service, supervision and sealed records.",
    Role.CASE_REVIEWER: "The pseudonymised multi-agency chronologies of the case reviews you are commissioned for.",
    Role.SYSTEM_ADMINISTRATOR: "Agencies, teams, users and the API tokens agencies' systems use.",
    Role.PERFORMANCE: "The children in need census, the SSDA903 and Ofsted's Annex A, and the records to fix.",
}


def _has_dashboard(user) -> bool:
    """The dashboard and caseloads open to a head of service, and to a team manager who has a team."""
    return practice.may_view_team_dashboard(user) and (user.role == Role.HEAD_OF_SERVICE or user.team_id is not None)


def _has_visits_due(user) -> bool:
    return practice._csc(user) and user.role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER)


# The home page's blocks, in order: (who sees it, title, what it is for, where, link text). A body may name the
# user's agency ("{agency}").
CARDS: tuple[tuple[Callable, str, str, str, str], ...] = (
    (may_view_front_door, "Front door", "Open contacts with their ratings and the time left on each clock, overdue "
     "first; what every partner already holds on the child; decisions within one working day.",
     "web:front-door", "Go to the front door"),
    (may_record_contact, "Record a contact", "Someone is worried about a child: find the child, say who raised it "
     "and what the concern is.", "web:contact-new", "Record a contact"),
    (may_make_referral, "Make a referral", "Raise a concern about a child with children's social care. You will see "
     "what they decide.", "web:referral-new", "Make a referral"),
    (may_make_referral, "Your referrals", "The referrals you made and what the front door decided about each.",
     "web:referrals", "See your referrals"),
    (lambda u: practice._csc(u) and u.role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER), "Your caseload",
     "Your children: each case's stage, next statutory deadline and when the child was last seen.",
     "web:my-cases", "See your caseload"),
    (practice.may_record_supervision, "Supervision", "Supervise your workers: each child's decision and actions go "
     "to the child's file at once; who is due for supervision.", "web:supervision", "Go to supervision"),
    (lambda u: practice.may_record_meeting(u, "") or practice.may_record_meeting(u, "partnership"), "Meetings",
     "Minutes of strategy discussions, conferences, core groups and partnership meetings, with who agreed and who "
     "dissented, and why.", "web:meetings", "Go to meetings"),
    (practice.may_see_concerns_log, "Concerns", "Concerns from relatives, neighbours, whistleblowers and professionals: "
     "each with a named responder and a deadline.", "web:concerns", "Go to the concerns log"),
    (_has_visits_due, "Visits due", "The statutory visits due to your children (a manager: the team's), overdue "
     "first.", "web:visits-due", "See visits due"),
    (_has_dashboard, "Dashboard", "Demand, timeliness against every clock, children not seen, "
     "supervision and unanswered concerns, drawn and downloadable.", "web:dashboard", "See the dashboard"),
    (_has_dashboard, "Caseloads", "Each worker's weighted caseload against their limit: who has room for a new child.",
     "web:caseloads", "See caseloads"),
    (may_look_up_people, "Find a person", "One person across every agency: their records, and who lived with them "
     "and when.", "web:person-search", "Find a person"),
    (may_look_up_child_status, "Look up a child", "Is the child on a child protection plan or looked after, and whom "
     "to call. Their social worker is told.", "web:lookup", "Look up a child"),
    (may_view_alerts, "Alerts", "Named rules that found something in a child's records across agencies: why, and the "
     "records behind it. You decide what to do.", "web:alerts", "See your alerts"),
    (may_review_matches, "Matches to review", "Records that may be about the same person. Nothing is joined until "
     "someone decides.", "web:review-queue", "Review matches"),
    (may_produce_returns, "Statutory returns", "Produce and download the children in need census, the SSDA903 and "
     "Ofsted's Annex A from the records, checked by the validators local authorities use.", "web:returns",
     "Produce a return"),
    (may_view_data_quality, "Data quality", "Each child failing a rule of the latest returns, the rule in plain "
     "English and the record to fix.", "web:data-quality", "See the data-quality page"),
    (may_view_staff_directory, "Colleagues", "People in {agency} you can contact.", "web:colleagues", "See colleagues"),
    (may_view_audit_trail, "Audit trail", "Every view and change of personal data: who, which agency and role, what, "
     "why and when.", "web:audit-trail", "Review the audit trail"),
    (may_administer_accounts, "Agencies and teams", "Register agencies and their teams. An agency's kind decides which "
     "roles its staff may hold.", "web:admin-agencies", "Manage agencies and teams"),
    (may_administer_accounts, "Users", "Add people and agencies' systems, change roles and teams, deactivate "
     "accounts, and e-mail a person a link to set a new password.", "web:admin-users", "Manage users"),
    (may_administer_accounts, "API tokens", "The credentials agencies' systems use: issue one (its secret shown "
     "once), see when each was last used, revoke.", "web:admin-tokens", "Manage API tokens"),
)


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
    for allowed, title, body, name, link_text in CARDS:
        if allowed(user) and (href := _alerts_href(user) if name == "web:alerts" else _href(name)) is not None:
            cards.append(HomeCard(title=title, body=body.format(agency=user.agency), href=href, link_text=link_text))
    cards.extend(_sealing_cards(user))
    cards.extend(_access_cards(user))
    return cards


def _access_cards(user) -> list[HomeCard]:
    """Relationships (issue 15): claiming access with a reason; the DPO's review queue with its counts; a case
    reviewer's commissions."""
    from joinedup.access import claims

    cards = []
    if policy.may_claim_access(user):
        cards.append(HomeCard(
            title="Someone outside your relationships",
            body="You see the people you work with. To see anyone else, say why: it lasts "
                 f"{claims.claim_hours()} hours and the data protection officer reviews it.",
            href=reverse("web:claim"), link_text="Claim access with a reason"))
    if policy.may_review_access_claims(user):
        summary = claims.claims_review_summary(viewer=user)
        body = (f"{summary['waiting']} self-claim{'s' if summary['waiting'] != 1 else ''} and break-glass to review "
                f"({summary['break_glass']} break-glass)")
        body += f"; {summary['overdue']} overdue." if summary["overdue"] else "; none overdue."
        cards.append(HomeCard(title="Self-claims and break-glass", body=body, href=reverse("web:claims-review"),
                              link_text="Review them"))
    commissions = list(claims.commissions_of(viewer=user))
    for commission in commissions:
        cards.append(HomeCard(
            title=commission.reference,
            body=f"Commissioned until {commission.ends_on:%d %B %Y}: the child's chronology, pseudonymised.",
            href=reverse("web:chronology", args=[commission.person_id]), link_text="Open the chronology"))
    if not commissions and user.is_authenticated and user.role == Role.CASE_REVIEWER:
        cards.append(HomeCard(
            title="Case reviews", body="No case review is commissioned for you now. When a head of service "
                                       "commissions one, its pseudonymised chronology opens from here."))
    return cards


def _sealing_cards(user) -> list[HomeCard]:
    """Sealed records (security promise 3): the DPO is told of every unsealing here; approvers of what waits."""
    if not (policy.may_request_unseal(user) or policy.may_seal(user) or policy.may_review_unsealing(user)):
        return []
    to_review = sealing.unsealings_to_review(viewer=user)
    waiting = sealing.unseal_decisions_waiting(viewer=user)
    parts = ["A sealed record (an adoption) shows to nobody; unsealing needs a second person of a higher role."]
    if policy.may_review_unsealing(user):
        parts.append(f"Unsealings to review: {to_review}.")
    if waiting:
        parts.append(f"Requests waiting for your decision: {waiting}.")
    return [HomeCard(title="Sealed records", body=" ".join(parts), href=reverse("web:sealed"),
                     link_text="Go to sealed records")]
