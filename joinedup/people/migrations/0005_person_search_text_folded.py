"""Every person's search text recomputed with the folding of `joinedup.people.search` (case, accents and apostrophes
aside; names in other scripts kept), from the same mentions `persons_refresh` reads. Going back writes it as it was
(lower-cased words as written)."""

from collections import defaultdict

from django.db import migrations, models

from joinedup.people.search import search_text, search_words

BATCH = 2000


def _recompute(apps, words_of) -> None:
    Person = apps.get_model("people", "Person")
    MentionLink = apps.get_model("people", "MentionLink")
    ids = list(Person.objects.filter(mention_count__gt=0).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        words = defaultdict(set)
        for pid, given, family, dob, nhs in MentionLink.objects.filter(person_id__in=chunk).values_list(
            "person_id", "mention__given_name", "mention__family_name", "mention__dob", "mention__nhs_number",
        ):
            words[pid].update(words_of(given, family, nhs, dob.isoformat() if dob else ""))
        people = list(Person.objects.filter(pk__in=chunk).only("pk", "search_text"))
        for person in people:
            person.search_text = search_text(words.get(person.pk, ()))
        Person.objects.bulk_update(people, ["search_text"], batch_size=500)


def folded(apps, schema_editor) -> None:
    _recompute(apps, search_words)


def as_before(apps, schema_editor) -> None:
    _recompute(apps, lambda *values: {v.lower() for v in values if v})


class Migration(migrations.Migration):

    dependencies = [
        ('ingest', '0004_mention_estimates_and_other_names'),
        ('people', '0004_sighting_identification'),
    ]

    operations = [
        migrations.AlterField(
            model_name='person',
            name='search_text',
            field=models.TextField(blank=True, help_text='Every name, date of birth and NHS number any agency wrote, folded for search (case, accents and apostrophes aside: joinedup.people.search).'),
        ),
        migrations.RunPython(folded, as_before, elidable=True),
    ]
