"""Signals ingestion sends, for layers above it (the people app) to act on without ingest knowing them.

`mentions_ingested` is sent inside the ingest transaction, once per batch, after the batch's mentions
are written, with keyword arguments:

- `mention_ids`: ids of `Mention` rows created or changed (live, not withdrawn) by the batch;
- `withdrawn_mention_ids`: ids of mentions a new current version no longer names (kept, `withdrawn=True`);
- `amended_mention_ids`: ids of mentions a new current version names unchanged (the record's detail was
  corrected: an explanation, an outcome), so that what reads the detail can judge it again;
- `via`: "api" or "file" — file ingests leave linkage to `joinedup link`, so receivers that match
  online should do so only for "api";
- `actor`: the `ActorRef` receiving the records.

A receiver that raises rolls the whole batch back, so receivers must be quick and reliable.

`file_ingest_finished` is sent by `joinedup ingest` when a run has stored what it could, outside any transaction,
with `mentions_written` (how many mentions it wrote or changed) and `link_follows` (the caller links next itself,
as `make demo` does): the people app queues a linkage run for the worker.
"""

from django.dispatch import Signal

mentions_ingested = Signal()
file_ingest_finished = Signal()
