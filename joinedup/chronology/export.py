"""A chronology exported for case reviews and public scrutiny: pseudonymised rows, as CSV or PDF.

Pseudonyms are keyed HMACs (SHA-256) of our stable ids, so the same person gets the same pseudonym in every
export made with the same key (`settings.JOINEDUP_PSEUDONYM_KEY`, derived from SECRET_KEY when unset):

- a person: "Person K7QD2M" (six characters from an alphabet without vowels, so no code spells a word);
- a record: "REF-3F9A1C7B" in place of the agency's source record id;
- an agency, when agencies are replaced: its kind and a number, "Acute hospital 2" (the number is the agency's
  rank among all agencies of that kind ordered by HMAC, so it is stable too);
- dates, when shifted: every date moves by one offset per export subject (a whole number of weeks between 5
  and 52, earlier or later, from the HMAC of the subject's person id), so intervals, order, ages and
  weekdays are kept; times of day are kept.

Free text (the summary, the practitioner's text, the injury fields, the author's role) is scanned for every
name, identifier (NHS number, UPN, local person id, source record id, UPRN, date of birth) and address line
or postcode that any agency wrote for anyone mentioned in the exported records, and for every other
spelling any agency used for those people; names become the person's pseudonym ("[name]" when several
people share it), identifiers and addresses become a bracketed placeholder. A name nobody recorded as a
mention cannot be recognised: reviewers still read an export before it is published.

`identities_for` reads the database; everything else here is pure.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from joinedup.chronology.events import Event

LONDON = ZoneInfo("Europe/London")
_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ23456789"  # no vowels: a code never spells a word or a name

AGENCY_KIND_LABELS = {
    "childrens_social_care": "Children's social care",
    "police": "Police force",
    "acute_hospital": "Acute hospital",
    "community_health": "Community health service",
    "gp_practice": "GP practice",
    "ambulance": "Ambulance service",
    "housing_authority": "Housing authority",
    "housing_association": "Housing association",
    "school": "School",
    "la_legal": "Local authority legal",
    "family_support": "Family support service",
    "probation": "Probation service",
}


# --- keys and pseudonyms ---------------------------------------------------------------------

def pseudonym_key() -> bytes:
    """The export key from settings; derived from SECRET_KEY when JOINEDUP_PSEUDONYM_KEY is unset."""
    from django.conf import settings

    configured = getattr(settings, "JOINEDUP_PSEUDONYM_KEY", "")
    if configured:
        return configured.encode() if isinstance(configured, str) else bytes(configured)
    return hmac.new(settings.SECRET_KEY.encode(), b"joinedup.chronology.export.pseudonyms", hashlib.sha256).digest()


def _mac(key: bytes, label: str) -> bytes:
    return hmac.new(key, label.encode(), hashlib.sha256).digest()


def _code(key: bytes, label: str, length: int) -> str:
    n = int.from_bytes(_mac(key, label), "big")
    out = []
    for _ in range(length):
        n, i = divmod(n, len(_CODE_ALPHABET))
        out.append(_CODE_ALPHABET[i])
    return "".join(out)


def person_pseudonym(key: bytes, person_id: object) -> str:
    return f"Person {_code(key, f'person:{person_id}', 6)}"


def record_reference(key: bytes, agency_code: str, source_record_id: str) -> str:
    return "REF-" + _mac(key, f"record:{agency_code}:{source_record_id}").hex()[:8].upper()


def date_offset(key: bytes, subject_id: object) -> dt.timedelta:
    """A whole number of weeks, 5 to 52 either way, fixed for the subject (weekdays and intervals kept)."""
    n = int.from_bytes(_mac(key, f"shift:{subject_id}")[:4], "big")
    weeks = 5 + n % 48
    return dt.timedelta(weeks=weeks if (n >> 16) & 1 else -weeks)


def agency_labels(key: bytes, agencies: Iterable[tuple[str, str]]) -> dict[str, str]:
    """{agency code: "Acute hospital 2"} from (code, kind) of every agency, numbered within kind by HMAC."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for code, kind in agencies:
        by_kind[kind].append(code)
    out = {}
    for kind, codes in by_kind.items():
        label = AGENCY_KIND_LABELS.get(kind, "Agency")
        for n, code in enumerate(sorted(codes, key=lambda c: _mac(key, f"agency:{c}")), start=1):
            out[code] = f"{label} {n}"
    return out


# --- who and what the records name -----------------------------------------------------------

@dataclass
class NamedPerson:
    """Everything any agency wrote to identify one person (or one unlinked mention)."""

    names: set[str] = field(default_factory=set)  # single names and full names
    identifiers: dict[str, str] = field(default_factory=dict)  # local person id, UPN, UPRN → placeholder
    nhs_numbers: set[str] = field(default_factory=set)
    dobs: set[dt.date] = field(default_factory=set)
    address_lines: set[str] = field(default_factory=set)
    postcodes: set[str] = field(default_factory=set)


@dataclass
class Identities:
    """What pseudonymising a chronology needs to know beyond its events (see `identities_for`)."""

    people: dict[str, NamedPerson] = field(default_factory=dict)  # pseudonym key ("person id" or "m:…") → details
    agencies: list[tuple[str, str, str]] = field(default_factory=list)  # (code, name, kind) of every agency


def _add_mention(person: NamedPerson, m: dict) -> None:
    given, family = (m.get("given_name") or "").strip(), (m.get("family_name") or "").strip()
    for name in (given, family):
        if name:
            person.names.add(name)
            person.names.update(part for part in re.split(r"[\s\-]+", name) if part)
    if given and family:
        person.names.add(f"{given} {family}")
    for key, placeholder in (("local_person_id", "[local id]"), ("upn", "[UPN]")):
        if m.get(key):
            person.identifiers.setdefault(str(m[key]), placeholder)
    if m.get("nhs_number"):
        person.nhs_numbers.add(str(m["nhs_number"]))
    if m.get("dob"):
        try:
            person.dobs.add(dt.date.fromisoformat(str(m["dob"])))
        except ValueError:
            person.names.add(str(m["dob"]))
    address = m.get("address")
    if isinstance(address, dict):  # as in a payload
        lines, postcode, uprn = address.get("lines"), address.get("postcode"), address.get("uprn")
    else:  # as in a Mention row
        lines, postcode, uprn = m.get("address_lines"), m.get("postcode"), m.get("uprn")
    for line in lines or []:
        if line and str(line).strip():
            person.address_lines.add(str(line).strip())
    if postcode:
        person.postcodes.add(str(postcode))
    if uprn:
        person.identifiers.setdefault(str(uprn), "[UPRN]")


def identities_for(events: Iterable[Event]) -> Identities:
    """From the database: the mentions in the events' records (their current payloads), who each is, every
    other way any agency wrote those people, and every agency (for numbering agencies by kind)."""
    from joinedup.accounts.models import Agency
    from joinedup.ingest.models import Mention, SourceRecord
    from joinedup.people.models import Person

    events = list(events)
    record_pks = {e.record_pk for e in events if e.record_pk is not None}
    payloads = dict(SourceRecord.objects.filter(pk__in=record_pks).values_list("pk", "current__payload"))
    person_of = {
        (record_id, mention_id): str(person_id)
        for record_id, mention_id, person_id in Mention.objects.filter(record_id__in=record_pks).values_list(
            "record_id", "mention_id", "link__person_id") if person_id is not None
    }
    people: dict[str, NamedPerson] = defaultdict(NamedPerson)
    for record_pk, payload in payloads.items():
        for m in (payload or {}).get("mentions") or []:
            who = person_of.get((record_pk, m.get("mention_id"))) or f"m:{record_pk}:{m.get('mention_id')}"
            _add_mention(people[who], m)
    person_ids = {e.person_id for e in events if e.person_id} | {p for p in people if not p.startswith("m:")}
    for e in events:  # the people whose events these are, even if (oddly) no payload named them
        if e.person_id:
            people.setdefault(e.person_id, NamedPerson())
    for row in Mention.objects.filter(link__person_id__in=person_ids).values(
        "link__person_id", "given_name", "family_name", "local_person_id", "upn", "nhs_number", "dob",
        "address_lines", "postcode", "uprn",
    ):
        row = dict(row, dob=row["dob"].isoformat() if row["dob"] else None)
        _add_mention(people[str(row.pop("link__person_id"))], row)
    for p in Person.objects.filter(pk__in=person_ids).values("pk", "given_name", "family_name", "nhs_number", "dob"):
        _add_mention(people[str(p["pk"])], {**p, "dob": p["dob"].isoformat() if p["dob"] else None})
    agencies = list(Agency.objects.values_list("code", "name", "kind"))
    return Identities(people=dict(people), agencies=agencies)


# --- scrubbing free text ---------------------------------------------------------------------

def _norm(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


_SEP = r"[\s,.'’\-/]*"
_REPEATED_PSEUDONYM = re.compile(r"\b(Person [A-Z0-9]{6})(?:[\s,]+\1\b)+")


def _term_source(term: str) -> str:
    return _SEP.join(re.escape(t) for t in re.findall(r"\w+", term))


class Scrubber:
    """Replaces every known name, identifier and address in a text, longest first, in one pass."""

    def __init__(self, entries: Iterable[tuple[str, str]], extra: Iterable[tuple[str, str]] = ()):
        """`entries`: (term as written, replacement), the first replacement for a term winning; `extra`:
        (regex source, replacement) for forms a plain term cannot express (spaced NHS numbers, dates)."""
        self._replacement: dict[str, str] = {}
        sources: dict[str, str] = {}
        for term, replacement in entries:
            norm = _norm(term)
            if len(norm) < 2 or norm in self._replacement:
                continue
            self._replacement[norm] = replacement
            sources[norm] = _term_source(term)
        self._extra = [(re.compile(src, re.IGNORECASE), rep) for src, rep in extra]
        ordered = sorted(sources.items(), key=lambda item: -len(item[0]))  # a full name before its parts
        self._pattern = (
            re.compile(r"(?<!\w)(?:" + "|".join(src for _, src in ordered) + r")(?!\w)", re.IGNORECASE)
            if ordered else None
        )

    def __call__(self, text: str) -> str:
        if not text:
            return text
        for pattern, replacement in self._extra:
            text = pattern.sub(replacement, text)
        if self._pattern is None:
            return text
        text = self._pattern.sub(lambda m: self._replacement.get(_norm(m.group(0)), "[redacted]"), text)
        return _REPEATED_PSEUDONYM.sub(r"\1", text)  # "Pikesley, Darren" → "Person X", not "Person X, Person X"


def _postcode_source(postcode: str) -> str | None:
    compact = _norm(postcode).upper()
    if not 5 <= len(compact) <= 7:
        return None
    return re.escape(compact[:-3]) + r"\s*" + re.escape(compact[-3:])


def _date_forms(day: dt.date) -> list[str]:
    return [day.isoformat(), f"{day:%d/%m/%Y}", f"{day.day}/{day.month}/{day.year}", f"{day:%d/%m/%y}",
            f"{day.day} {day:%B %Y}", f"{day.day} {day:%b %Y}"]


def scrubber_for(identities: Identities, pseudonyms: dict[str, str], *, records: dict[str, str],
                 agency_names: dict[str, str] | None = None) -> Scrubber:
    """`pseudonyms`: {person key: pseudonym}; `records`: {source record id: reference}; `agency_names`: {name:
    replacement} when agencies are replaced."""
    name_owners: dict[str, set[str]] = defaultdict(set)
    for who, p in identities.people.items():
        for name in p.names:
            name_owners[_norm(name)].add(who)
    entries: list[tuple[str, str]] = []
    extra: list[tuple[str, str]] = []
    for source_id, reference in records.items():
        entries.append((source_id, reference))
    for name, label in (agency_names or {}).items():
        entries.append((name, label))
    for who, p in identities.people.items():
        for number in p.nhs_numbers:
            digits = _norm(number)
            if len(digits) == 10:
                extra.append((rf"(?<!\w){digits[:3]}[\s-]?{digits[3:6]}[\s-]?{digits[6:]}(?!\w)", "[NHS number]"))
            else:
                entries.append((number, "[NHS number]"))
        for ident, placeholder in p.identifiers.items():
            if len(_norm(ident)) >= 3:
                entries.append((ident, placeholder))
        for day in p.dobs:
            for form in _date_forms(day):
                extra.append((rf"(?<!\w){_term_source(form)}(?!\w)", "[date of birth]"))
        for postcode in p.postcodes:
            src = _postcode_source(postcode)
            if src:
                extra.append((rf"(?<!\w){src}(?!\w)", "[postcode]"))
            else:
                entries.append((postcode, "[postcode]"))
        for line in p.address_lines:
            entries.append((line, "[address]"))
            street = re.sub(r"^(flat|apartment|unit)?\s*\d+[a-z]?[,\s]+", "", line, flags=re.IGNORECASE).strip()
            if street and street != line and len(_norm(street)) >= 4:
                entries.append((street, "[address]"))
        for name in sorted(p.names, key=len, reverse=True):
            owners = name_owners[_norm(name)]
            entries.append((name, pseudonyms.get(who, "[name]") if len(owners) == 1 else "[name]"))
    return Scrubber(entries, extra)


# --- shifting dates --------------------------------------------------------------------------

_MONTHS = {m.casefold(): i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"], start=1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)")
_WORDY = re.compile(r"(?<!\w)(\d{1,2})(?:st|nd|rd|th)?\s+(" + "|".join(sorted(_MONTHS, key=len, reverse=True))
                    + r")\.?,?\s+(\d{4})(?!\d)", re.IGNORECASE)


def shift_dates_in_text(text: str, offset: dt.timedelta) -> str:
    """Moves dates written in free text (2024-03-01, 1/3/2024, 01/03/24, 1 March 2024) by the offset."""
    if not text or not offset:
        return text

    def shifted(y: int, m: int, d: int) -> dt.date | None:
        try:
            return dt.date(y, m, d) + offset
        except (ValueError, OverflowError):
            return None

    def iso(match: re.Match) -> str:
        day = shifted(int(match[1]), int(match[2]), int(match[3]))
        return day.isoformat() if day else match[0]

    def numeric(match: re.Match) -> str:
        year = int(match[4]) + (2000 if len(match[4]) == 2 else 0)
        day = shifted(year, int(match[3]), int(match[1]))
        if day is None:
            return match[0]
        y = f"{day.year % 100:02d}" if len(match[4]) == 2 else str(day.year)
        return f"{day.day:0{len(match[1])}d}{match[2]}{day.month:0{len(match[3])}d}{match[2]}{y}"

    def wordy(match: re.Match) -> str:
        day = shifted(int(match[3]), _MONTHS[match[2].casefold()], int(match[1]))
        return f"{day.day} {day:%B %Y}" if day else match[0]

    return _WORDY.sub(wordy, _NUMERIC.sub(numeric, _ISO.sub(iso, text)))


# --- rows ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportRow:
    date: str
    time: str
    ended: str
    agency: str
    author_role: str
    person: str
    kind: str
    summary: str
    injury_site: str
    injury_description: str
    injury_explanation: str
    significant: str
    reference: str


COLUMNS: dict[str, str] = {
    "date": "Date", "time": "Time", "ended": "Ended", "agency": "Agency", "author_role": "Recorded by",
    "person": "Person", "kind": "Kind", "summary": "Summary", "injury_site": "Injury site",
    "injury_description": "Injury", "injury_explanation": "Explanation given", "significant": "Significant",
    "reference": "Reference",
}
assert list(COLUMNS) == [f.name for f in fields(ExportRow)]


@dataclass(frozen=True)
class Pseudonymised:
    rows: list[ExportRow]
    subject: str  # the subject's pseudonym
    dates_shifted: bool
    agencies_replaced: bool


def pseudonymise(chronology, *, key: bytes, shift_dates: bool, replace_agencies: bool = False,
                 identities: Identities | None = None) -> list[ExportRow]:
    """The chronology's (filtered) events as export rows with every name, identifier and address replaced."""
    return pseudonymise_events(
        chronology.events, subject_id=chronology.person.pk, key=key, shift_dates=shift_dates,
        replace_agencies=replace_agencies, identities=identities if identities is not None
        else identities_for(chronology.events),
    ).rows


def pseudonymise_events(events: list[Event], *, subject_id: object, key: bytes, shift_dates: bool,
                        replace_agencies: bool, identities: Identities) -> Pseudonymised:
    pseudonyms = {who: person_pseudonym(key, who) for who in identities.people}
    for e in events:
        if e.person_id:
            pseudonyms.setdefault(e.person_id, person_pseudonym(key, e.person_id))
    references = {e.source_record_id: record_reference(key, e.agency_code, e.source_record_id) for e in events}
    agency_of = agency_labels(key, [(code, kind) for code, _name, kind in identities.agencies]) \
        if replace_agencies else {}
    names_to_replace = {}
    if replace_agencies:
        for code, name, _kind in identities.agencies:
            names_to_replace[name] = agency_of[code]
            names_to_replace[code] = agency_of[code]
    scrub = scrubber_for(identities, pseudonyms, records=references, agency_names=names_to_replace)
    offset = date_offset(key, subject_id) if shift_dates else dt.timedelta(0)

    def clean(text: str) -> str:
        return shift_dates_in_text(scrub(text or ""), offset) if text else ""

    rows = []
    for e in events:
        local = e.occurred_at.astimezone(LONDON)
        day = (local.date() if e.has_time else e.occurred_on) + offset
        if replace_agencies:
            agency = agency_of.get(e.agency_code) or agency_labels(key, [(e.agency_code, e.agency_kind)])[e.agency_code]
        else:
            agency = e.agency_name
        injury = e.injury
        explanation = ""
        if injury is not None:
            explanation = injury.explanation
            if injury.explained_by:
                explanation = f"{explanation} (explained by {injury.explained_by})" if explanation \
                    else f"explained by {injury.explained_by}"
        summary = e.summary  # already ends with the practitioner's text, where there is one
        rows.append(ExportRow(
            date=day.isoformat(),
            time=f"{local:%H:%M}" if e.has_time else "",
            ended=(e.ended_on + offset).isoformat() if e.ended_on else "",
            agency=agency,
            author_role=clean(e.author_role),
            person=pseudonyms.get(e.person_id, "") if e.person_id else "",
            kind=e.kind_label,
            summary=clean(summary),
            injury_site=clean(injury.site) if injury else "",
            injury_description=clean(injury.description) if injury else "",
            injury_explanation=clean(explanation),
            significant="yes" if e.significant else "",
            reference=references[e.source_record_id],
        ))
    return Pseudonymised(rows, person_pseudonym(key, subject_id), shift_dates, replace_agencies)


def generation_note(*, dates_shifted: bool, agencies_replaced: bool) -> str:
    parts = ["Pseudonymised: names, identifiers, addresses and record ids are replaced by stable pseudonyms"]
    if agencies_replaced:
        parts.append("agencies are named by their kind")
    parts.append("dates are shifted by a fixed offset (intervals and weekdays are kept)" if dates_shifted
                 else "dates are as recorded")
    return "; ".join(parts) + "."


# --- files -----------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: str) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def export_csv(rows: Iterable[ExportRow]) -> bytes:
    """UTF-8 with a byte-order mark (so spreadsheets read it as UTF-8), a header row, one row per event."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS.values())
    for row in rows:
        writer.writerow(_csv_cell(getattr(row, name)) for name in COLUMNS)
    return out.getvalue().encode("utf-8-sig")


# Share of the table's width per column (A4 landscape less margins).
_PDF_WIDTHS = {
    "date": 0.06, "time": 0.035, "ended": 0.06, "agency": 0.09, "author_role": 0.07, "person": 0.08,
    "kind": 0.07, "summary": 0.205, "injury_site": 0.05, "injury_description": 0.055, "injury_explanation": 0.085,
    "significant": 0.06, "reference": 0.08,
}
_PDF_UNBROKEN = {"date", "time", "ended", "person", "reference"}  # short values kept on one line
assert abs(sum(_PDF_WIDTHS.values()) - 1) < 1e-9 and list(_PDF_WIDTHS) == list(COLUMNS)


def export_pdf(rows: Iterable[ExportRow], title: str, *, note: str = "", generated_on: dt.date | None = None) -> bytes:
    """An A4 landscape table with the header row repeated on every page, the title and the generation note."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    buffer = io.BytesIO()
    margin = 12 * mm
    page = landscape(A4)
    doc = SimpleDocTemplate(buffer, pagesize=page, leftMargin=margin, rightMargin=margin, topMargin=margin,
                            bottomMargin=15 * mm, title=title, author="joinedup", subject="Pseudonymised chronology",
                            creator="joinedup", invariant=1)
    styles = getSampleStyleSheet()
    cell = ParagraphStyle("cell", parent=styles["BodyText"], fontSize=7, leading=8.5)
    head = ParagraphStyle("head", parent=cell, fontName="Helvetica-Bold")
    generated = generated_on or dt.date.today()

    def para(text: str, style, *, unbroken: bool = False) -> Paragraph:
        text = escape(text)
        return Paragraph(text.replace(" ", "&nbsp;") if unbroken else text.replace("\n", "<br/>"), style)

    rows = list(rows)
    data = [[para(label, head) for label in COLUMNS.values()]]
    data += [[para(getattr(row, name), cell, unbroken=name in _PDF_UNBROKEN) for name in COLUMNS] for row in rows]
    width = page[0] - 2 * margin
    table = LongTable(data, colWidths=[width * _PDF_WIDTHS[name] for name in COLUMNS], repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f2f1")),
        ("LINEBELOW", (0, 0), (-1, 0), 1, colors.HexColor("#0b0c0c")),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#b1b4b6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]))

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(margin, 8 * mm, f"{title} · generated {generated:%d %B %Y} by joinedup")
        canvas.drawRightString(page[0] - margin, 8 * mm, f"Page {document.page}")
        canvas.restoreState()

    story = [Paragraph(escape(title), styles["Title"])]
    if note:
        story.append(Paragraph(escape(note), styles["BodyText"]))
    story.append(Paragraph(f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'}.", styles["BodyText"]))
    story.append(Spacer(1, 4 * mm))
    story.append(table if rows else Paragraph("No entries.", styles["BodyText"]))
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
