"""The dashboard's figures as the page shows them: each a table (the CSV is the same cells), a sentence that says
what it shows (the text alternative) and, for counts over weeks or by kind, a chart (`web.dashboard_charts`).
Formatting only: every number comes from `practice.selectors.dashboard` / `caseloads`."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from html import escape

from joinedup.practice.selectors.dashboard import KIND_LABELS, TIMELINESS_KINDS, Dashboard
from joinedup.web import dashboard_charts as charts


@dataclass
class Figure:
    key: str
    title: str
    summary: str  # the text alternative: what the chart (or table) shows, in words
    header: list[str]
    rows: list[list[str]]
    chart: str = ""
    numeric: frozenset[int] = frozenset()  # columns of numbers (right-aligned)
    links: dict[int, str] = field(default_factory=dict)  # row index: the link of its first cell

    def html(self, *, level: int = 3, folded: bool = False, query: str = "") -> str:
        """The figure as the page shows it: heading, the sentence, the chart, the table (folded in a details
        element when `folded`), the CSV link. Made here rather than in a template: a dashboard has about a
        thousand cells, and Django's template engine would take longer over them than the database over the
        figures."""
        size = "m" if level == 2 else "s"
        out = [f'<h{level} class="govuk-heading-{size}" id="{self.key}">{escape(self.title)}</h{level}>',
               f'<p class="govuk-body">{escape(self.summary)}</p>', self.chart]
        if self.rows:
            if folded:
                out.append(f'<details class="govuk-details"><summary class="govuk-details__summary">'
                           f'<span class="govuk-details__summary-text">Table: {escape(self.title.lower())}</span>'
                           f'</summary><div class="govuk-details__text">')
            out.append(f'<table class="govuk-table" data-figure="{self.key}"><caption class="govuk-table__caption '
                       f'govuk-visually-hidden">{escape(self.title)}</caption><thead class="govuk-table__head">'
                       f'<tr class="govuk-table__row">')
            out.extend(f'<th scope="col" class="govuk-table__header{" govuk-table__header--numeric" if j in self.numeric else ""}">'
                       f'{escape(h)}</th>' for j, h in enumerate(self.header))
            out.append('</tr></thead><tbody class="govuk-table__body">')
            for i, row in enumerate(self.rows):
                link = self.links.get(i)
                first = f'<a class="govuk-link" href="{escape(link)}">{escape(row[0])}</a>' if link else escape(row[0])
                out.append(f'<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{first}</th>')
                out.extend(f'<td class="govuk-table__cell{" govuk-table__cell--numeric" if j in self.numeric else ""}">'
                           f'{escape(cell)}</td>' for j, cell in enumerate(row[1:], start=1))
                out.append("</tr>")
            out.append("</tbody></table>")
            if folded:
                out.append("</div></details>")
        out.append(f'<p class="govuk-body-s govuk-!-display-none-print"><a class="govuk-link" '
                   f'href="?{escape(query)}format=csv&amp;figure={self.key}">Download this table as CSV'
                   f'<span class="govuk-visually-hidden">: {escape(self.title.lower())}</span></a></p>')
        return "".join(out)

    def csv(self) -> str:
        """The table as CSV: the same header and cells (a cell that a spreadsheet would run as a formula is
        prefixed with an apostrophe)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.header)
        for row in self.rows:
            writer.writerow([f"'{c}" if c[:1] in ("=", "+", "@") or (c[:1] == "-" and not c[1:2].isdigit()) else c
                             for c in row])
        return out.getvalue()


def _n(v) -> str:
    return f"{v:,}" if isinstance(v, int) else f"{v:g}"


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "–"


def _day(d) -> str:
    return f"{d.day} {d:%b %Y}" if d else "Never"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def demand(d: Dashboard) -> Figure:
    total_c, total_r = sum(d.contacts), sum(d.referrals)
    busiest = max(range(len(d.weeks)), key=lambda i: d.contacts[i])
    summary = (f"Contacts received and referrals (cases opened) in each of the {len(d.weeks)} weeks from "
               f"{_day(d.weeks[0].start)}: {_plural(total_c, 'contact')} and {_plural(total_r, 'referral')} in all"
               + (f"; the most contacts ({d.contacts[busiest]:,}) in the week of {_day(d.weeks[busiest].start)}."
                  if total_c else "."))
    rows = [[w.label, w.iso, _n(c), _n(r)] for w, c, r in zip(d.weeks, d.contacts, d.referrals, strict=True)]
    chart = charts.columns(chart_id="fig-demand", title="Contacts and referrals per week", description=summary,
                           categories=[w.label for w in d.weeks],
                           series=[charts.Series("Contacts received", d.contacts, "solid"),
                                   charts.Series("Referrals (cases opened)", d.referrals, "dotted")])
    return Figure("demand", "Contacts and referrals per week", summary,
                  ["Week starting", "ISO week", "Contacts received", "Referrals (cases opened)"], rows, chart,
                  frozenset({2, 3}))


def timeliness(d: Dashboard, kind: str) -> Figure:
    label = KIND_LABELS[kind]
    weeks = d.timeliness[kind]
    on_time, late = sum(t.on_time for t in weeks), sum(t.late for t in weeks)
    if on_time + late:
        worst = max(range(len(weeks)), key=lambda i: weeks[i].late)
        summary = (f"{label}, by the week each fell due: {on_time:,} of {on_time + late:,} on time "
                   f"({_pct(on_time, on_time + late)}), {late:,} late"
                   + (f"; the most late ({weeks[worst].late:,}) in the week of {_day(d.weeks[worst].start)}."
                      if late else "."))
        chart = charts.columns(chart_id=f"fig-{kind}", title=f"{label}: on time and late per week",
                               description=summary, categories=[w.label for w in d.weeks], stacked=True,
                               height=200, series=[charts.Series("On time", [t.on_time for t in weeks], "solid"),
                                                   charts.Series("Late", [t.late for t in weeks], "hatched")])
    else:
        summary, chart = f"{label}: none fell due in these {len(d.weeks)} weeks.", ""
    rows = [[w.label, w.iso, _n(t.on_time), _n(t.late), _pct(t.on_time, t.total)]
            for w, t in zip(d.weeks, weeks, strict=True)]
    return Figure(f"on-time-{kind.replace('_', '-')}", label, summary,
                  ["Week starting", "ISO week", "On time", "Late", "On time (%)"], rows, chart, frozenset({2, 3, 4}))


def overdue_now(d: Dashboard) -> Figure:
    kinds = [(k, KIND_LABELS[k], d.overdue_by_kind.get(k, 0)) for k, _ in TIMELINESS_KINDS if k in d.overdue_by_kind]
    total = sum(n for _k, _l, n in kinds)
    summary = (f"{_plural(total, 'clock')} open and past due now" + (": " + "; ".join(
        f"{label.lower()} {n:,}" for _k, label, n in kinds if n) + "." if total else "."))
    chart = charts.bars(chart_id="fig-overdue", title="Open clocks past due now, by kind", description=summary,
                        rows=[charts.BarRow(label, n, flagged=bool(n)) for _k, label, n in kinds],
                        flagged="Open and past due") if total else ""
    return Figure("overdue-now", "Open clocks past due now", summary, ["Clock", "Open and past due"],
                  [[label, _n(n)] for _k, label, n in kinds], chart, frozenset({1}))


def supervision_held(d: Dashboard) -> Figure:
    total = sum(d.supervision_held)
    summary = (f"Supervision sessions held with the {_plural(len(d.supervision), 'worker')} in each of the "
               f"{len(d.weeks)} weeks: {total:,} in all.")
    chart = charts.columns(chart_id="fig-supervision", title="Supervision sessions held per week",
                           description=summary, categories=[w.label for w in d.weeks], height=200,
                           series=[charts.Series("Sessions held", d.supervision_held, "solid")])
    return Figure("supervision-held", "Supervision sessions held per week", summary,
                  ["Week starting", "ISO week", "Sessions held"],
                  [[w.label, w.iso, _n(n)] for w, n in zip(d.weeks, d.supervision_held, strict=True)], chart,
                  frozenset({2}))


def supervision(d: Dashboard) -> Figure:
    overdue = d.supervision_overdue
    summary = (f"{len(d.supervision) - len(overdue):,} of {_plural(len(d.supervision), 'worker')} supervised on "
               f"time; {len(overdue):,} overdue (newly qualified workers are supervised more often).")
    rows = [[s.name, s.team or "–", "Yes" if s.newly_qualified else "No", _n(s.every_days), _day(s.last_on),
             _day(s.due_on), f"Overdue by {_plural(s.days_overdue, 'day')}" if s.overdue else "On time"]
            for s in sorted(d.supervision, key=lambda s: (not s.overdue, -s.days_overdue, s.name))]
    return Figure("supervision", "Supervision of each worker", summary,
                  ["Worker", "Team", "Newly qualified", "Every (days)", "Last supervised", "Next due", "Status"],
                  rows, numeric=frozenset({3}))


def not_seen(d: Dashboard, case_url) -> Figure:
    summary = (f"{_plural(len(d.not_seen), 'child', 'children')} on a child protection plan or looked after not "
               f"seen for {d.not_seen_days} days or more (since the last visit that saw them, or since their "
               f"visits became due when never seen).")
    rows = [[r.name, r.stage, r.worker or "Nobody allocated", _day(r.last_seen_on), _n(r.days)] for r in d.not_seen]
    return Figure("not-seen", f"Children not seen for {d.not_seen_days} days or more", summary,
                  ["Child", "Stage", "Allocated worker", "Last seen", "Days not seen"], rows,
                  numeric=frozenset({4}), links={i: case_url(r.case_id) for i, r in enumerate(d.not_seen)})


def concerns(d: Dashboard) -> Figure:
    summary = f"{_plural(len(d.concerns_overdue), 'concern')} not answered by the response deadline."
    rows = [[_day(c.received_at.date()), c.raised_by, c.responder, _day(c.response_due_at.date()),
             _n(c.days_overdue), _n(c.children)] for c in d.concerns_overdue]
    return Figure("concerns", "Unanswered concerns past their deadline", summary,
                  ["Received", "Raised by", "Responder", "Response due", "Days overdue", "Children"], rows,
                  numeric=frozenset({4, 5}))


def caseloads(loads, scope_name: str) -> Figure:
    over = [c for c in loads if c.over_limit]
    summary = (f"Weighted caseloads of {_plural(len(loads), 'worker')} ({scope_name}) against their limits: "
               f"{len(over):,} over the limit" + (" (" + ", ".join(
                   f"{c.worker.get_full_name()} {c.weighted:g} of {c.limit:g}" for c in over[:10])
                   + (" and more" if len(over) > 10 else "") + ")." if over else "."))
    rows = [[c.worker.get_full_name() or c.worker.username, c.worker.team.name if c.worker.team else "–",
             _n(c.children), _n(c.weighted), _n(c.limit) + (" (own)" if c.own_limit else ""),
             "Over the limit" if c.over_limit else ("At the limit" if c.weighted == c.limit else "Within the limit")]
            for c in loads]
    chart = charts.bars(
        chart_id="fig-caseloads", title="Weighted caseload of each worker against their limit", description=summary,
        rows=[charts.BarRow(r[0], c.weighted, flagged=c.over_limit, marker=c.limit,
                            note=f"of {c.limit:g}: over the limit" if c.over_limit else f"of {c.limit:g}")
              for r, c in zip(rows, loads, strict=True)],
        normal="Within the limit", flagged="Over the limit", marker="Thick black line: the worker's limit")
    return Figure("caseloads", "Caseloads against limits", summary,
                  ["Worker", "Team", "Children", "Weighted caseload", "Limit", "Status"], rows, chart,
                  frozenset({2, 3, 4}))


def dashboard_figures(d: Dashboard, *, case_url) -> dict[str, Figure]:
    """Every figure of the dashboard, by key (the key names its CSV). Caseloads have their own page."""
    figures = [demand(d), *(timeliness(d, kind) for kind, _ in TIMELINESS_KINDS), overdue_now(d),
               not_seen(d, case_url), supervision_held(d), supervision(d), concerns(d)]
    return {f.key: f for f in figures}
