"""Online matching: mentions that arrive through the API are attached to people in the same transaction.

File ingest is left to `joinedup link` (a batch run), which is far faster for thousands of records.
"""

from django.dispatch import receiver

from joinedup.ingest.signals import mentions_ingested


@receiver(mentions_ingested, dispatch_uid="people.match_online")
def match_new_mentions(sender, *, mention_ids, via, actor, **kwargs):
    if via != "api" or not mention_ids:
        return
    from joinedup.people.services import mentions_match_online

    mentions_match_online(mention_ids=list(mention_ids), actor=actor)
