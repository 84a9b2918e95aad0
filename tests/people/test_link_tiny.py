"""A batch linkage run on a database too small to train a model on: the schedule's run is not an error.

An empty database made `people.tasks.link_if_needed` fail every ten minutes (Splink divides by zero when it finds
no pairs to learn from), and a handful of records made it fail the same way.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from joinedup.accounts.services import agency_get_or_create
from joinedup.ingest.models import Mention
from joinedup.ingest.services import records_ingest
from joinedup.people.models import LinkageModel, LinkageRun, MentionLink
from joinedup.people.services import DEFAULT_MODEL_ENGINE, TRAIN_MIN_MENTIONS, default_model, linkage_needed
from joinedup.people.tasks import link_if_needed

from .conftest import SYSTEM

pytestmark = pytest.mark.both_databases


def _the_scheduled_run_links_them_with_the_default_model_and_the_next_tick_does_nothing(mentions: int) -> None:
    result = link_if_needed.call()

    assert result["ran"] is True and result["mentions"] == mentions
    assert MentionLink.objects.filter(mention__withdrawn=False).count() == mentions
    run = LinkageRun.objects.get()
    assert run.model.engine == DEFAULT_MODEL_ENGINE and run.model.model == default_model()
    assert not LinkageModel.objects.filter(is_current=True).exists()
    assert linkage_needed() is False  # every mention linked and nothing to learn from them again
    assert link_if_needed.call() == {"ran": False}


def test_an_empty_database_needs_no_run_and_a_forced_one_does_nothing(db):
    assert linkage_needed() is False
    assert link_if_needed.call() == {"ran": False}
    call_command("link", stdout=io.StringIO(), stderr=io.StringIO())
    run = LinkageRun.objects.get()
    assert (run.mentions, run.persons, run.model.engine) == (0, 0, DEFAULT_MODEL_ENGINE)
    assert not LinkageModel.objects.filter(is_current=True).exists()
    with pytest.raises(CommandError, match="cannot train a linkage model on 0 current mentions"):
        call_command("link", train=True, stdout=io.StringIO(), stderr=io.StringIO())


def test_a_few_records_are_linked_with_the_default_model_and_the_schedule_then_rests(
        db, authority, authority_records):
    for entry in json.loads((authority / "agencies.json").read_text()):
        agency_get_or_create(actor=SYSTEM, code=entry["id"], name=entry["name"], kind=entry["kind"])
    records_ingest(actor=SYSTEM, records=authority_records[:2], via="file")  # a file load: not matched online
    mentions = Mention.objects.filter(withdrawn=False).count()
    assert 0 < mentions < TRAIN_MIN_MENTIONS
    assert not MentionLink.objects.exists()
    assert linkage_needed() is True

    _the_scheduled_run_links_them_with_the_default_model_and_the_next_tick_does_nothing(mentions)
    # A second forced run uses the same default model row, not a new one each time.
    call_command("link", stdout=io.StringIO(), stderr=io.StringIO())
    assert LinkageModel.objects.filter(engine=DEFAULT_MODEL_ENGINE).count() == 1


def _load_without(authority, authority_records, *fields: str, share: int = 2) -> int:
    """Every `share`-th record of the authority (all its agencies), with `fields` left out of every mention, loaded as
    a file would be (not matched online); the number of current mentions."""
    for entry in json.loads((authority / "agencies.json").read_text()):
        agency_get_or_create(actor=SYSTEM, code=entry["id"], name=entry["name"], kind=entry["kind"])
    records = [{**r, "mentions": [{k: v for k, v in m.items() if k not in fields} for m in r["mentions"]]}
               for r in authority_records[::share]]
    outcomes = records_ingest(actor=SYSTEM, records=records, via="file").outcomes
    assert not [o for o in outcomes if o.status == "refused"]
    return Mention.objects.filter(withdrawn=False).count()


def test_records_no_rule_can_learn_from_are_linked_with_the_default_model_and_the_schedule_then_rests(
        db, authority, authority_records):
    # No NHS number and no date of birth: neither training rule (NHS; date of birth and family name) finds a pair.
    mentions = _load_without(authority, authority_records, "nhs_number", "dob")
    assert mentions >= TRAIN_MIN_MENTIONS  # enough that a failed training used to be an error, every ten minutes

    _the_scheduled_run_links_them_with_the_default_model_and_the_next_tick_does_nothing(mentions)
    no_pair = "no two records of different sources agree on its fields"
    with pytest.raises(CommandError, match=rf"no training rule can be learnt from \(nhs: {no_pair}; dob_family: {no_pair}"):
        call_command("link", train=True, stdout=io.StringIO(), stderr=io.StringIO())


def test_records_without_nhs_numbers_train_what_they_can_and_say_what_they_could_not(
        db, authority, authority_records):
    mentions = _load_without(authority, authority_records, "nhs_number")
    assert mentions >= TRAIN_MIN_MENTIONS
    said = io.StringIO()
    call_command("link", stdout=io.StringIO(), stderr=said)  # progress goes to stderr
    model = LinkageModel.objects.get(is_current=True)
    assert model.engine != DEFAULT_MODEL_ENGINE and model.model["joinedup"]["untrained_rules"] == ["nhs"]
    assert "Trained in part: training rule nhs: no two records of different sources agree on its fields; " \
           "family_name, dob, nhs_number weighed as the default model weighs them." in said.getvalue()
    assert MentionLink.objects.filter(mention__withdrawn=False).count() == mentions
    assert linkage_needed() is False
