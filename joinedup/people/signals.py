"""Signals the people app sends, for layers above it (alerts) to act on without people knowing them.

`persons_linked` is sent when mentions have been attached to people, with keyword arguments:

- `person_ids`: ids of the people whose links were created or changed (a superset is allowed);
- `via`: "api" (online matching of records that arrived through the API: sent inside the ingest
  transaction, so a receiver's writes commit with the records, and a receiver that raises rolls the
  records back) or "batch" (`linkage_run`: sent after the run has committed);
- `actor`: the `ActorRef` that received or linked the records;
- `progress`: a callable taking one line of text, or None (batch runs report progress through it).
"""

from django.dispatch import Signal

persons_linked = Signal()
