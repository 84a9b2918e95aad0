"""Online matching: mentions that arrive through the API are queued for matching in the ingest transaction (the task
row commits with the records), and `joinedup worker` attaches them to people after the commit. A file load queues
one batch linkage run when it ends (`ingest.signals.file_ingest_finished`), unless whoever loads says a link follows.

Under the test settings the queue's backend runs a task at once (django-tasks' ImmediateBackend), so a test sees
what the worker would do, in the same order.
"""

from django.conf import settings
from django.dispatch import receiver

from joinedup.ingest.signals import file_ingest_finished, mentions_ingested


@receiver(mentions_ingested, dispatch_uid="people.match_online")
def match_new_mentions(sender, *, mention_ids, via, actor, **kwargs):
    if via != "api" or not mention_ids:
        return
    from joinedup.people.tasks import actor_json, match_mentions

    match_mentions.enqueue(list(mention_ids), actor_json(actor))


@receiver(file_ingest_finished, dispatch_uid="people.link_after_file")
def link_after_file(sender, *, mentions_written, link_follows=False, **kwargs):
    if not mentions_written or link_follows or not getattr(settings, "JOINEDUP_LINK_AFTER_FILE_INGEST", True):
        return
    from joinedup.people.tasks import link_if_needed

    link_if_needed.enqueue("file ingest")
