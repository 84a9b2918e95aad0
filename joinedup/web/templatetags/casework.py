"""Template filters for casework codes: `{{ plan.latest_category|code_label:"CATEGORIES" }}`."""

from django import template

from joinedup.casework import codes

register = template.Library()

TABLES = frozenset({
    "REFERRAL_SOURCES", "RAISED_BY", "PRIMARY_NEEDS", "ASSESSMENT_FACTORS", "CLOSURE_REASONS", "CATEGORIES",
    "LEGAL_STATUSES", "REASONS_NEW_EPISODE", "PLACEMENT_TYPES", "PLACEMENT_PROVIDERS", "REASONS_EPISODE_ENDED",
    "RAG_RATINGS", "CONTACT_DECISIONS", "STRATEGY_DECISIONS", "SECTION47_OUTCOMES", "CONFERENCE_TYPES",
    "CONFERENCE_OUTCOMES", "ASSESSMENT_OUTCOMES",
})


@register.filter
def code_label(code, table: str) -> str:
    """The label of a code in one of `casework.codes`' lists (the code itself when not listed)."""
    if table not in TABLES:
        raise template.TemplateSyntaxError(f"code_label: no code list {table!r}")
    return codes.label(getattr(codes, table), code)


@register.filter
def code_labels(values, table: str) -> list[str]:
    return [code_label(v, table) for v in values or []]


@register.filter
def kind_label(kind: str) -> str:
    """A record kind in words ('Strategy discussion')."""
    from joinedup.chronology.kinds import kind_info

    return kind_info(kind).label
