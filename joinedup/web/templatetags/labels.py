"""Template filters for what a page calls things (`joinedup.core.labels`): `{% load labels %}`, then
`{{ key|field_label }}`, `{{ value|value_text:key }}`, `{{ level|match_level }}`, `{{ code|words }}`,
`{{ kind|record_kind }}`, `{{ role|role_label }}`, `{{ action|action_label }}`, `{{ moment|when }}`, `{{ day|day }}`."""

from django import template

from joinedup.core import labels

register = template.Library()


@register.filter
def field_label(key) -> str:
    """A field's name: "Primary need"."""
    return labels.field_label(key)


@register.filter
def value_text(value, key="") -> str:
    """A stored value in words: a code's label, yes or no, a date as people write it."""
    return labels.value_text(value, str(key or ""))


@register.filter
def match_level(level) -> str:
    """How far two records agree on a field: "the same", "nearly the same", "different", "not on both records"."""
    return labels.match_level(level)


@register.filter
def words(code) -> str:
    """Any code in words ("accompanying_adult" → "accompanying adult")."""
    return labels.words(code)


@register.filter
def record_kind(kind) -> str:
    """A record kind in words ("Strategy discussion")."""
    from joinedup.chronology.kinds import kind_info

    return kind_info(str(kind or "")).label


@register.filter
def role_label(role) -> str:
    """A user's role in words ("Data protection officer / Caldicott guardian")."""
    from joinedup.accounts.models import Role

    return dict(Role.choices).get(str(role or ""), labels.sentence(labels.words(role)))


@register.filter
def action_label(action) -> str:
    """An audit action in words ("Signed in")."""
    from joinedup.audit.actions import AuditAction

    return dict(AuditAction.choices).get(str(action or ""), labels.sentence(labels.words(str(action).replace(".", " "))))


@register.filter
def when(value) -> str:
    """A moment in UK time as people write it: "28 March 2025 13:43"."""
    return labels.datetime_text(value)


@register.filter
def day(value) -> str:
    """A day as people write it: "28 March 2025"."""
    return labels.date_text(value)


@register.filter
def received_via(via) -> str:
    """How a version of a record arrived: "through the API", "in a file", "written in joinedup"."""
    return labels.RECEIVED_VIA.get(str(via or ""), labels.words(via))
