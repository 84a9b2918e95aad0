"""The performance team's form: which return to produce, for which year or inspection date."""

from __future__ import annotations

from django import forms

from joinedup.core.time import utc_now
from joinedup.web.forms_base import Form

_DAY_FORMATS = ["%d/%m/%Y", "%d %m %Y", "%Y-%m-%d"]
KINDS = (("cin", "Children in need census (XML)"), ("903", "SSDA903, children looked after (CSV tables, zipped)"),
         ("annex-a", "Ofsted ILACS Annex A (xlsx)"))


def collection_years() -> list[tuple[str, str]]:
    """The collection year now open or last closed, and the two before it (named by the year they end)."""
    today = utc_now().date()
    latest = today.year if today.month <= 3 else today.year + 1
    return [(str(y), f"{y - 1} to {y} (1 April {y - 1} to 31 March {y})") for y in range(latest, latest - 3, -1)]


class ReturnRunForm(Form):
    kind = forms.ChoiceField(choices=KINDS, label="Return", widget=forms.RadioSelect,
                             error_messages={"required": "Choose the return to produce"})
    year = forms.TypedChoiceField(choices=(), coerce=int, required=False, label="Collection year",
                                  error_messages={"invalid_choice": "Choose a collection year from the list"})
    on = forms.DateField(required=False, label="Inspection date (Annex A)", input_formats=_DAY_FORMATS,
                         error_messages={"invalid": "Enter the inspection date as day/month/year, for example 27/3/2026"})
    run_id = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = collection_years()

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == "annex-a" and not data.get("on") and "on" not in self.errors:
            self.add_error("on", "Enter the inspection date, for example 27/3/2026")
        if kind in ("cin", "903") and not data.get("year") and "year" not in self.errors:
            self.add_error("year", "Choose the collection year")
        return data
