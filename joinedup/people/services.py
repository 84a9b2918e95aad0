"""Writes about people: batch linkage, online matching at ingest, review decisions and splits.

Each write records its audit row in the same transaction. People's decisions (`LinkDecision`) are the
only inputs here that are not derived from the records: every later run honours them.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Q

from joinedup.access.policy import may_review_matches
from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.core import metrics
from joinedup.core.actor import ActorRef
from joinedup.core.bulk import rows_update
from joinedup.core.progress import progress_bar
from joinedup.core.time import utc_now
from joinedup.ingest.addresses import address_key
from joinedup.ingest.bulk import insert_rows
from joinedup.ingest.models import Mention
from joinedup.people import engine
from joinedup.people.models import (
    BlockingKey,
    Decision,
    IdentityRow,
    LinkageModel,
    LinkageRun,
    LinkDecision,
    LinkMethod,
    MentionLink,
    Person,
    ResidenceEpisode,
    ReviewItem,
    ReviewStatus,
    SightingIdentification,
    UnidentifiedSighting,
)
from joinedup.people.residence import Sighting, build_episodes, canonical_address_keys
from joinedup.people.search import search_text, search_words
from joinedup.people.signals import persons_linked
from joinedup.people.stable_ids import assign_stable_ids

BATCH = 5000
logger = logging.getLogger(__name__)
# Kinds of record made at the family's home: an unnamed person recorded there was seen at that address.
AT_HOME_KINDS = frozenset({
    "police_incident", "property_inspection", "visit", "health_visitor_contact", "ambulance_callout",
    "tenancy", "temporary_accommodation", "section47_enquiry", "family_support_session",
})

MENTION_FIELDS = (
    "id", "record_id", "source_identity", "agency__code", "role", "local_person_id", "given_name", "family_name",
    "relationship_label", "relationship_to_subject", "dob", "expected_due_on", "sex", "nhs_number", "upn",
    "postcode", "postcode_norm", "address_key", "address_lines", "address_protected", "occurred_on", "record__kind",
    "dob_estimated", "age", "other_names",
)

Progress = Callable[[str], None]


def _mention_dict(row: dict) -> dict:
    row = dict(row)
    row["agency"] = row.pop("agency__code")
    row["kind"] = row.pop("record__kind")
    row["record_key"] = row["record_id"]
    return row


# What a batch run reads of each mention: the fields the engine uses (not the address lines or keys, which
# residence is rebuilt from in the database), in the order of `MentionRow`'s tuple.
LINK_FIELDS = (
    "id", "record_id", "source_identity", "agency__code", "role", "local_person_id", "given_name", "family_name",
    "relationship_label", "relationship_to_subject", "dob", "expected_due_on", "sex", "nhs_number", "upn",
    "postcode", "occurred_on", "dob_estimated", "age", "other_names",
)
_SHARED = slice(2, 17)  # the strings and dates many mentions repeat (names, codes, days): each value kept once
# One mention as the engine reads it (`m["dob"]`, `m.get("age")`), over the tuple the database gave, with the
# engine's names (`agency`, `record_key`): a batch run holds every current mention at once.
MentionRow = engine.tuple_row("MentionRow", ("agency" if f == "agency__code" else f for f in LINK_FIELDS),
                              aliases={"record_key": "record_id"})


def current_mentions() -> list[MentionRow]:
    """Every current (not withdrawn) mention as the engine reads it, in a stable order."""
    return list(_mention_stream())


def _mention_stream(
    ids: array | None = None, decided: frozenset[str] | set[str] = frozenset(),
    representatives: dict[str, dict[tuple, int]] | None = None,
) -> Iterator[MentionRow]:
    """`current_mentions` one at a time, read from the database a batch at a time: a batch run prepares them as they
    come and never holds them all. Appends each mention's id to `ids`; for each source identity in `decided`, keeps
    in `representatives` the position of the first mention of each of its identities (`_decision_pairs`)."""
    shared: dict = {}
    keep = shared.setdefault
    rows = Mention.objects.filter(withdrawn=False).order_by("id").values_list(*LINK_FIELDS).iterator(chunk_size=BATCH)
    for i, values in enumerate(rows):
        repeated = values[_SHARED]
        mention = MentionRow((*values[:2], *map(keep, repeated, repeated), *values[17:19], values[19] or ()))
        if ids is not None:
            ids.append(values[0])
        if decided and mention["source_identity"] in decided and representatives is not None:
            representatives[mention["source_identity"]].setdefault(_decision_key(mention), i)
        yield mention


def _decision_key(m) -> tuple:
    return (m["given_name"], m["family_name"], m["dob"], m["nhs_number"], m["upn"], m["postcode"])


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def latest_decisions() -> dict[tuple[str, str], str]:
    """The latest decision on each pair of source identities."""
    decisions: dict[tuple[str, str], str] = {}
    for a, b, decision in LinkDecision.objects.order_by("decided_at", "id").values_list(
        "source_identity_a", "source_identity_b", "decision"
    ):
        decisions[(a, b)] = decision
    return decisions


def _decision_pairs(mentions: list[dict], decisions: dict[tuple[str, str], str]):
    """Decisions as pairs of mention positions: one pair per confirmed match, every distinct combination per rejection."""
    representatives: dict[str, dict[tuple, int]] = defaultdict(dict)
    wanted = {s for pair in decisions for s in pair}
    for i, m in enumerate(mentions):
        if m["source_identity"] in wanted:
            representatives[m["source_identity"]].setdefault(_decision_key(m), i)
    return _decision_pairs_of(representatives, decisions)


def _decision_pairs_of(representatives: dict[str, dict[tuple, int]], decisions: dict[tuple[str, str], str]):
    """`_decision_pairs` from the representatives of each decided source identity (position of its first mention of
    each distinct name, date of birth and identifiers)."""
    must, cannot = [], []
    for (a, b), decision in decisions.items():
        ra, rb = list(representatives.get(a, {}).values()), list(representatives.get(b, {}).values())
        if not ra or not rb:
            continue
        if decision == Decision.SAME:
            must.append((ra[0], rb[0]))
        else:
            cannot.extend((x, y) for x in ra for y in rb)
    return must, cannot


# --- batch linkage -------------------------------------------------------------------------------------


def model_train(*, actor: ActorRef, engine_name: str = "duckdb", charts_dir: str = "", progress: Progress = print):
    """Train the linkage model on every current mention, save its charts, and make it the current model."""
    progress(f"Training the linkage model on {Mention.objects.filter(withdrawn=False).count():,} mentions…")
    # Read as prepared, never all held. What these records cannot teach is taken from the default model.
    model, rows = engine.train(_mention_stream(), charts_dir=charts_dir or None, fallback=default_model())
    engine.release_memory(rows)
    said = model["joinedup"]
    parts = [f"training rule {name}: {reason}" for name, reason in said.get("why_untrained", {}).items()]
    if said.get("from_fallback"):  # also with every rule learnt: a field no record has (no given names anywhere)
        parts.append(f"{', '.join(said['from_fallback'])} weighed as the default model weighs them")
    if said.get("no_weight"):
        parts.append(f"{', '.join(said['no_weight'])} given no weight")
    if parts:
        progress(f"Trained in part: {'; '.join(parts)}.")
        logger.warning("people: linkage model trained in part: %s", "; ".join(parts))
    with transaction.atomic():
        LinkageModel.objects.filter(is_current=True).update(is_current=False)
        stored = LinkageModel.objects.create(
            trained_at=utc_now(), engine=engine_name, model=model, identity_rows=rows,
            charts_dir=charts_dir, is_current=True,
        )
        audit_event_record(actor=actor, action=AuditAction.LINKAGE_TRAIN, object_type="linkage_model",
                           object_id=stored.pk, detail={"identity_rows": rows, "charts_dir": charts_dir})
    if charts_dir:
        progress(f"Model charts (HTML, viewable offline): {charts_dir}")
    return stored


# Below this many current mentions a model that cannot be trained (Splink finds no pairs to learn from: with none,
# it divides by zero) is not an error: the run links with the default model shipped with joinedup, as online
# matching does, and the scheduled run does not come back to train until there are this many.
TRAIN_MIN_MENTIONS = 1_000


class LinkageTrainingError(Exception):
    """A model could not be trained on the current mentions (the message says why and what to do)."""


def linkage_needed() -> bool:
    """Whether a batch run has anything to do: current mentions nobody has linked, or no trained model yet and
    enough mentions to train one (`TRAIN_MIN_MENTIONS`), unless the last run, on these same mentions, found nothing in
    them to learn from and linked them with the default model (training is tried again when more arrive)."""
    if not LinkageModel.objects.filter(is_current=True).exists():
        current = Mention.objects.filter(withdrawn=False)
        if current.filter(link__isnull=True).exists():
            return True
        count = current.count()
        if count < TRAIN_MIN_MENTIONS:
            return False
        last = LinkageRun.objects.filter(finished_at__isnull=False).select_related("model").first()  # the newest
        return not (last is not None and last.model.engine == DEFAULT_MODEL_ENGINE and last.mentions >= count)
    if Person.objects.filter(search_text="", mention_count__gt=0).exists():  # made before search text existed
        return True
    return Mention.objects.filter(withdrawn=False, link__isnull=True).exists()


def _run_model(*, actor: ActorRef, engine_name: str, train: bool, charts_dir: str, progress: Progress) -> LinkageModel:
    """The model a batch run links with: the current one; else (or with `train`) a newly trained one; else, when
    there are too few mentions to train on, the default model shipped with joinedup (kept as a model that is not
    current, so that the run names what it used)."""
    stored = LinkageModel.objects.filter(is_current=True).first()
    if stored is not None and not train:
        return stored
    count = Mention.objects.filter(withdrawn=False).count()
    if count:
        try:
            return model_train(actor=actor, engine_name=engine_name, charts_dir=charts_dir, progress=progress)
        except engine.NotTrainable as exc:  # the records give no pairs to learn from, however many there are
            reason = str(exc)
        except Exception as exc:  # Splink fails in several ways on too few records; above the minimum it is a fault
            if count >= TRAIN_MIN_MENTIONS:
                raise
            reason = f"{type(exc).__name__}: {exc}"
    else:
        reason = "there are no current mentions"
    if train:
        raise LinkageTrainingError(
            f"cannot train a linkage model on {count:,} current mentions ({reason}); training needs more records "
            f"(at least {TRAIN_MIN_MENTIONS:,} mentions is safe, from agencies that share identifiers such as NHS "
            f"numbers, or names and dates of birth). Without --train the default model is used.")
    model = default_model()
    if model is None:
        raise LinkageTrainingError(f"no linkage model: a model cannot be trained on {count:,} current mentions "
                                   f"({reason}) and the default model ({DEFAULT_MODEL_PATH}) cannot be read")
    progress(f"A model cannot be trained on {count:,} current mentions ({reason}): linking with the default model.")
    logger.info("people: linking %d mentions with the default model (%s)", count, reason)
    for kept in LinkageModel.objects.filter(engine=DEFAULT_MODEL_ENGINE, is_current=False)[:5]:
        if kept.model == model:
            return kept
    return LinkageModel.objects.create(trained_at=utc_now(), engine=DEFAULT_MODEL_ENGINE, model=model,
                                       identity_rows=0, is_current=False)


def linkage_run(
    *, actor: ActorRef, engine_name: str = "duckdb", train: bool = False, charts_dir: str = "",
    progress: Progress = print, spark_options: dict | None = None,
) -> LinkageRun:
    """Re-link every current mention: predict, cluster with people's decisions, keep person ids stable.

    Derived tables (identity rows, blocking keys, residence, open review items) are rebuilt; person ids,
    people's decisions and decided review items are kept.
    """
    started = utc_now()
    t0 = time.perf_counter()
    stored = _run_model(actor=actor, engine_name=engine_name, train=train, charts_dir=charts_dir, progress=progress)
    # Mentions no run or arrival had linked: the records that arrived since (alerts judge them at their own day).
    arrived = array("q", Mention.objects.filter(withdrawn=False, link__isnull=True).values_list("pk", flat=True)
                    .iterator(chunk_size=BATCH))
    progress("Reading and preparing mentions…")
    decisions = latest_decisions()
    # The mentions are prepared as they are read, a batch at a time, and not kept: linking reads what it needs of
    # them from the prepared rows (`engine.prepare`), and the links are written by the ids kept here.
    mention_ids = array("q")
    representatives: dict[str, dict[tuple, int]] = defaultdict(dict)
    t = time.perf_counter()
    prepared = engine.prepare(_mention_stream(mention_ids, {s for pair in decisions for s in pair}, representatives))
    prepare_seconds = time.perf_counter() - t
    linked_count = len(mention_ids)
    engine.release_memory(linked_count)
    must, cannot = _decision_pairs_of(representatives, decisions)
    result = engine.link(prepared, stored.model, engine_name=engine_name, must_link=must, cannot_link=cannot,
                         progress=progress, spark_options=spark_options, prepare_seconds=prepare_seconds,
                         pair_columns=("unique_id_l", "unique_id_r", "match_probability"))
    del prepared
    progress("Writing people, links and households…")
    with transaction.atomic():
        run, refresh = _write_run(actor=actor, stored=stored, engine_name=engine_name, started=started,
                                  mention_ids=mention_ids, result=result, decisions=decisions, progress=progress)
        # The run's millions of mentions and rows are let go before the people and their addresses are read again.
        del mention_ids, result, must, cannot
        engine.release_memory(linked_count)
        progress(f"Refreshing {len(refresh):,} people and where they lived…")
        persons_refresh(refresh)
        residence_rebuild(None)
    _analyze()
    progress(f"Linked in {time.perf_counter() - t0:.1f} s.")
    metrics.linkage_run_counted("batch", time.perf_counter() - t0)  # committed above
    # After the commit: receivers (alerts) read the new links; people whose links were written in this run.
    linked = set(MentionLink.objects.filter(run=run, person__isnull=False).values_list("person_id", flat=True)
                 .distinct())
    persons_linked.send(sender=LinkageRun, person_ids=linked, via="batch", actor=actor, progress=progress,
                        mention_ids=list(arrived))
    return run


def _analyze() -> None:
    """Refresh PostgreSQL's planner statistics after a bulk rewrite, so later reads get good plans."""
    if connection.vendor != "postgresql":
        return
    tables = [m._meta.db_table for m in (Mention, MentionLink, Person, IdentityRow, BlockingKey, ResidenceEpisode,
                                         ReviewItem, UnidentifiedSighting)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(tables))


def _best_edges(result, person_of_uid: dict[str, object]) -> dict[str, tuple[float, str]]:
    """For each identity row, its most probable accepted pair inside its own person: (probability, other uid)."""
    best: dict[str, tuple[float, str]] = {}
    pairs = result.pairs.select(["unique_id_l", "unique_id_r", "match_probability"])
    for batch in pairs.to_batches(max_chunksize=100_000):  # a batch at a time: millions of pairs as Python objects
        for left, right, prob in zip(*(column.to_pylist() for column in batch.columns), strict=True):
            if prob < engine.ACCEPT or person_of_uid.get(left) != person_of_uid.get(right):
                continue
            for me, other in ((left, right), (right, left)):
                if me not in best or prob > best[me][0]:
                    best[me] = (prob, other)
    return best


class _LinkedClusters:
    """mention id → cluster of each linked mention of a run, read from the run's lists (`items()` is all
    `assign_stable_ids` reads), rather than a dict of millions of mentions."""

    def __init__(self, mention_ids: array, result) -> None:
        self._ids, self._result = mention_ids, result

    def items(self) -> Iterator[tuple[int, int]]:
        ids, person_of_mention = self._ids, self._result.person_of_mention
        for i, how in enumerate(self._result.linked_by):
            if not how.startswith("unlinked"):
                yield ids[i], person_of_mention[i]


def _write_run(*, actor, stored, engine_name, started, mention_ids, result, decisions, progress):
    now = utc_now()
    rows = result.prepared.compact_rows()
    row_of = result.prepared.row_of_mention
    person_ids_seen: dict = {}
    keep_id = person_ids_seen.setdefault  # one object per person id, not one per link
    previous = {mention: keep_id(person, person) for mention, person in MentionLink.objects.filter(
        person__isnull=False).values_list("mention_id", "person_id").iterator(chunk_size=BATCH)}
    del person_ids_seen, keep_id
    assignment = assign_stable_ids(_LinkedClusters(mention_ids, result), previous)
    del previous
    person_of_cluster = assignment.person_for_cluster
    person_of_uid = {uid: person_of_cluster[result.clusters[uid]] for uid in rows}

    Person.objects.bulk_create([Person(id=pid) for pid in assignment.created], batch_size=BATCH)
    for old, new in assignment.merged_into.items():
        Person.objects.filter(pk=old).update(merged_into_id=new, mention_count=0, agency_count=0)
    back = set(Person.objects.filter(merged_into__isnull=False).values_list("pk", flat=True)) & set(person_of_cluster.values())
    Person.objects.filter(pk__in=back).update(merged_into=None)  # an earlier merge a re-run undid

    scorer = engine.scorer(stored.model)
    best = _best_edges(result, person_of_uid)
    confirmed = {k for k, v in decisions.items() if v == Decision.SAME}
    uids_in_person = Counter(person_of_uid.values())
    sources_in_person: dict[object, set[str]] = defaultdict(set)
    modelled_sources: set[str] = set()  # agency identities one of whose rows the model joined to its person
    for uid, row in rows.items():
        if uid not in result.context_rows:  # a row the household placed joined no agency identity of the person
            sources_in_person[person_of_uid[uid]].add(row["source_identity"])
        if uid in best:
            modelled_sources.add(row["source_identity"])
    evidence_cache: dict[str, tuple] = {}
    shared_fields: dict[tuple, dict] = {}

    def evidence(uid: str) -> tuple:
        if uid in evidence_cache:
            return evidence_cache[uid]
        source = rows[uid]["source_identity"]
        person = person_of_uid[uid]
        if uid in result.context_rows:  # an adult with no identifier of their own, placed by the household
            out = (LinkMethod.CONTEXT, None, {}, "", result.context_rows[uid].removeprefix("context: "))
        elif uid in best:
            prob, other = best[uid]
            fields = scorer.score(rows[uid], rows[other])[2]
            fields = shared_fields.setdefault(tuple(fields.items()), fields)  # a million rows, a few hundred kinds
            method = LinkMethod.REVIEW if _pair(source, rows[other]["source_identity"]) in confirmed else LinkMethod.MODEL
            out = (method, prob, fields, other, "")
        elif uids_in_person[person] == 1:
            out = (LinkMethod.NEW, None, {}, "", "")
        elif len(sources_in_person[person]) == 1 or source in modelled_sources:
            # one agency id: this row is its identity's; the model's evidence is on another row of the identity
            out = (LinkMethod.SAME_SOURCE_ID, 1.0, {}, "", "")
        else:
            out = (LinkMethod.REVIEW, 1.0, {}, "", "joined by a person's decision")
        evidence_cache[uid] = out
        return out

    identified = _identified_sightings()
    count = len(mention_ids)
    progress(f"Writing the links of {count:,} mentions and {len(rows):,} identity rows with their "
             "blocking keys…")
    bar = progress_bar(progress, total=count + 2 * len(rows), desc="Writing", unit=" rows")

    def written(n: int) -> None:
        if bar is not None:
            bar.update(n)

    link_fields = ["person", "method", "match_probability", "fields", "identity_uid", "matched_identity_uid",
                   "reason", "linked_at"]
    changed = created = updated = 0
    for start in range(0, count, BATCH):  # mentions in id order, a batch at a time with their links as stored
        stop = min(start + BATCH, count)
        # Each link as stored, as a tuple (a model object per link would not fit for millions of them).
        existing = {values[0]: values[1:] for values in MentionLink.objects.filter(
            mention_id__gte=mention_ids[start], mention_id__lte=mention_ids[stop - 1]).values_list(
            "mention_id", "pk", "person_id", "method", "match_probability", "identity_uid", "reason")}
        to_create, to_update = [], []
        for i in range(start, stop):
            mention_id = mention_ids[i]
            new, change = _link_of(i, mention_id, row_of[i], result, identified, person_of_cluster, person_of_uid,
                                   evidence, existing.get(mention_id), now)
            if new is not None:
                to_create.append(new)
                changed += 1
            elif change is not None:
                changed += change[0]
                to_update.append(change[1])
        MentionLink.objects.bulk_create(to_create, batch_size=BATCH)
        rows_update(MentionLink, to_update, link_fields)
        created, updated = created + len(to_create), updated + len(to_update)
        written(stop - start)
    progress(f"{created:,} new and {updated:,} changed links written")
    _write_identity_rows(rows, person_of_uid, written)
    if bar is not None:
        bar.close()

    first_mention = {}
    for i, uid in enumerate(row_of):
        if uid is not None:
            first_mention.setdefault(uid, mention_ids[i])
    review_count = _refresh_review_items(result.review, rows, first_mention, scorer, decisions, now)
    person_ids = set(person_of_cluster.values())

    run = LinkageRun.objects.create(
        started_at=started, finished_at=utc_now(), engine=engine_name, model=stored, mentions=count,
        identity_rows=len(rows), persons=len(person_ids), persons_created=len(assignment.created),
        persons_merged=len(assignment.merged_into), links_changed=changed, review_items=review_count,
        actor_username=actor.username,
    )
    MentionLink.objects.filter(linked_at=now).update(run=run)
    audit_event_record(actor=actor, action=AuditAction.LINKAGE_RUN, object_type="linkage_run", object_id=run.pk,
                       detail={"mentions": count, "persons": len(person_ids), "links_changed": changed,
                               "review_items": review_count, "timings": result.timings})
    return run, person_ids | set(assignment.merged_into)


def _link_of(i, mention_id, uid, result, identified, person_of_cluster, person_of_uid, evidence, stored_link, now):
    """Mention i's link: (a new MentionLink, None), (None, (1 if its person changed else 0, the changed MentionLink)),
    or (None, None) when it is stored as it is."""
    how = result.linked_by[i]
    if mention_id in identified:  # a worker said who this unidentified adult is
        person_id, (method, prob, fields, other, reason) = identified[mention_id], (
            LinkMethod.REVIEW, None, {}, "", "identified by a worker")
    elif how.startswith("unlinked"):
        person_id, (method, prob, fields, other, reason) = None, (LinkMethod.UNLINKABLE, None, {}, "", how.split(": ", 1)[-1])
    elif uid is None:  # placed by context: an unborn child, a mother named by relationship
        person_id = person_of_cluster[result.person_of_mention[i]]
        method, prob, fields, other, reason = LinkMethod.CONTEXT, None, {}, "", how.removeprefix("context: ")
    else:
        person_id = person_of_uid[uid]
        method, prob, fields, other, reason = evidence(uid)
    values = (person_id, method, prob, uid or "", reason)
    if stored_link is None:
        return MentionLink(
            mention_id=mention_id, person_id=person_id, identity_uid=uid or "", match_probability=prob, method=method,
            fields=fields, matched_identity_uid=other, reason=reason, linked_at=now,
        ), None
    if stored_link[1:] != values:
        return None, (int(stored_link[1] != person_id), MentionLink(
            pk=stored_link[0], mention_id=mention_id, person_id=person_id, identity_uid=uid or "",
            match_probability=prob, method=method, fields=fields, matched_identity_uid=other, reason=reason,
            linked_at=now,
        ))
    return None, None


def _write_identity_rows(rows, person_of_uid, written) -> None:
    """The online index: identity rows and their blocking keys, rebuilt."""
    BlockingKey.objects.all().delete()
    IdentityRow.objects.all().delete()
    uids = list(rows)
    for start in range(0, len(uids), BATCH):
        chunk = uids[start:start + BATCH]
        IdentityRow.objects.bulk_create(
            [IdentityRow(uid=uid, person_id=person_of_uid[uid], source_identity=rows[uid]["source_identity"],
                         agency_code=rows[uid].get("agency") or "", attrs=dict(rows[uid])) for uid in chunk],
            batch_size=BATCH,
        )
        written(len(chunk))
    for start in range(0, len(uids), BATCH):  # a few keys a row: sent as plain rows (executemany or COPY)
        chunk = uids[start:start + BATCH]
        insert_rows(BlockingKey._meta.db_table, ["key", "identity_id"],
                    [(key, uid) for uid in chunk for key in engine.keys_for(rows[uid])])
        written(len(chunk))


def _refresh_review_items(review_pairs, rows, first_mention, scorer, decisions, now) -> int:
    """Open a review item for each uncertain pair nobody has decided; retire open items no longer uncertain; bring
    the items still open up to date (this run's probability, reason and field comparison), so the probability a
    page shows and the reason beside it are always from the same run."""
    wanted = {}
    for pair in review_pairs:
        left, right = sorted((pair.a, pair.b))
        if left not in first_mention or right not in first_mention:
            continue  # a row no current mention stands for: nothing to show a person
        a, b = rows[left]["source_identity"], rows[right]["source_identity"]
        if a == b or _pair(a, b) in decisions:
            continue
        wanted[(left, right)] = pair
    open_items = {(i.left_uid, i.right_uid): i for i in ReviewItem.objects.filter(status=ReviewStatus.OPEN)}
    stale = [i.pk for key, i in open_items.items() if key not in wanted]
    ReviewItem.objects.filter(pk__in=stale).update(status=ReviewStatus.SUPERSEDED)
    new_items, changed = [], []
    for (left, right), pair in wanted.items():
        item = open_items.get((left, right))
        if item is not None:
            fields = scorer.score(rows[left], rows[right])[2]
            if (item.match_probability, item.reason, item.fields) != (pair.probability, pair.reason, fields):
                item.match_probability, item.reason, item.fields = pair.probability, pair.reason, fields
                changed.append(item)
            continue
        new_items.append(ReviewItem(
            left_uid=left, right_uid=right, left_source_identity=rows[left]["source_identity"],
            right_source_identity=rows[right]["source_identity"], left_mention_id=first_mention[left],
            right_mention_id=first_mention[right], match_probability=pair.probability,
            fields=scorer.score(rows[left], rows[right])[2], reason=pair.reason, created_at=now,
        ))
    ReviewItem.objects.bulk_create(new_items, batch_size=BATCH)
    ReviewItem.objects.bulk_update(changed, ["match_probability", "reason", "fields"], batch_size=BATCH)
    return len(wanted)


def persons_refresh(person_ids: Iterable) -> None:
    """Recompute each person's display name, date of birth, NHS number, counts and search text from their mentions."""
    person_ids = list(person_ids)
    for start in range(0, len(person_ids), BATCH):
        chunk = person_ids[start:start + BATCH]
        words_of: dict[tuple, set[str]] = {}  # per batch of people: a whole authority's names would not fit
        values: dict = defaultdict(lambda: defaultdict(Counter))
        agencies: dict = defaultdict(set)
        words: dict = defaultdict(set)
        counts: Counter = Counter()
        for pid, given, family, dob, sex, nhs, agency_id in MentionLink.objects.filter(person_id__in=chunk).values_list(
            "person_id", "mention__given_name", "mention__family_name", "mention__dob", "mention__sex",
            "mention__nhs_number", "mention__agency_id",
        ):
            v = values[pid]
            if given and given.lower() not in ("baby", "unborn", "infant"):
                v["given"][given] += 1
            for key, val in (("family", family), ("dob", dob), ("sex", sex), ("nhs", nhs)):
                if val:
                    v[key][val] += 1
            said = (given, family, nhs, dob)
            if said not in words_of:  # most of a person's mentions repeat the same name: fold each once
                words_of[said] = search_words(given, family, nhs, dob.isoformat() if dob else "")
            words[pid].update(words_of[said])
            agencies[pid].add(agency_id)
            counts[pid] += 1
        people = list(Person.objects.filter(pk__in=chunk))
        for person in people:
            v = values.get(person.pk, {})

            def top(key, default, v=v):
                c = v.get(key)
                return sorted(c.items(), key=lambda kv: (-kv[1], str(kv[0])))[0][0] if c else default

            person.given_name, person.family_name = top("given", ""), top("family", "")
            person.dob, person.sex, person.nhs_number = top("dob", None), top("sex", ""), top("nhs", "")
            person.mention_count, person.agency_count = counts.get(person.pk, 0), len(agencies.get(person.pk, ()))
            person.search_text = search_text(words.get(person.pk, ()))
        rows_update(Person, people, ["given_name", "family_name", "dob", "sex", "nhs_number", "mention_count",
                                     "agency_count", "search_text"])


def residence_rebuild(person_ids: Iterable | None) -> None:
    """Rebuild residence episodes (and unidentified sightings, when rebuilding everyone) from linked mentions."""
    links = MentionLink.objects.filter(person__isnull=False, mention__withdrawn=False).exclude(mention__address_key="")
    fields = ("person_id", "mention__address_key", "mention__occurred_on", "mention__agency__code",
              "mention__postcode_norm", "mention__address_lines")
    if person_ids is not None:
        person_ids = list(person_ids)
        links = links.filter(person_id__in=person_ids)
        ResidenceEpisode.objects.filter(person_id__in=person_ids).delete()
        raw = list(links.values_list(*fields))
        canonical = _canonical_keys({row[1] for row in raw}, everyone=False)
        _episodes_write(raw, canonical)
        return
    ResidenceEpisode.objects.all().delete()
    # Everyone: every mention's key is counted (so no key of theirs need be added), and the people are read a
    # batch at a time in the order their episodes are written (a whole authority's addresses would not fit).
    canonical = _canonical_keys(set(), everyone=True)
    everyone = sorted(set(links.values_list("person_id", flat=True).distinct()), key=str)
    for start in range(0, len(everyone), BATCH):
        chunk = everyone[start:start + BATCH]
        _episodes_write(list(links.filter(person_id__in=chunk).order_by("mention_id").values_list(*fields)), canonical)
    _unidentified_rebuild(canonical)  # counted over every mention's key, so it covers theirs too


def _episodes_write(raw: list[tuple], canonical: dict[str, str]) -> None:
    """Residence episodes from linked mentions' (person, address key, day, agency, postcode, address lines)."""
    sightings = (Sighting(pid, canonical.get(key, key), seen, agency, pc, tuple(lines or ()))
                 for pid, key, seen, agency, pc, lines in raw)
    ResidenceEpisode.objects.bulk_create(
        (
            ResidenceEpisode(
                person_id=e.person_id, address_key=e.address_key, postcode=e.postcode, address_lines=e.address_lines,
                first_seen_on=e.first_seen_on, last_seen_on=e.last_seen_on, presumed_until=e.presumed_until,
                agency_codes=sorted(e.agency_codes),
                sightings=e.sightings,
            )
            for e in build_episodes(sightings)
        ),
        batch_size=BATCH,
    )


def _canonical_keys(keys: set[str], *, everyone: bool) -> dict[str, str]:
    """Fold mistyped spellings of a dwelling into one key, judged against every mention's address.

    Rebuilding everyone counts every address key once. For a few people (a record arriving through the
    API) only the keys that could fold with theirs are counted: the same postcode, or the same number,
    flat and street; so the cost follows the size of the arrival, not of the database.
    """
    counts: Counter = Counter()
    same = []
    if everyone:
        counted = Mention.objects.exclude(address_key="")
        counts.update(dict(counted.values("address_key").annotate(n=Count("id")).values_list("address_key", "n")))
        for key, lines, postcode in (
            Mention.objects.exclude(uprn="").exclude(address_key="").values_list("address_key", "address_lines", "postcode")
            .distinct()
        ):  # bridge each UPRN to the address written beside it
            written = address_key(lines or [], postcode, None)
            if written:
                counts.setdefault(written, 0)
                same.append((key, written))
    else:
        ordered = sorted(keys)
        for start in range(0, len(ordered), 50):
            near = Q(pk__in=[])
            for key in ordered[start:start + 50]:
                parts = key.split("|")
                if len(parts) == 4:
                    near |= Q(address_key__startswith=parts[0] + "|") | Q(address_key__endswith="|" + "|".join(parts[1:]))
                else:
                    near |= Q(address_key=key)
            counts.update(dict(Mention.objects.filter(near).values("address_key").annotate(n=Count("id"))
                               .values_list("address_key", "n")))
    for key in keys:
        counts.setdefault(key, 1)
    return canonical_address_keys(counts, same)


def sighting_label(given_name: str, family_name: str, relationship_label: str, relationship_to_subject: str) -> str:
    """How an unidentified adult is shown: 'Mum's boyfriend', or 'Steve (mother's partner)'."""
    name = " ".join(part for part in (given_name, family_name) if part)
    described = relationship_label or relationship_to_subject
    if name and described:
        return f"{name} ({described})"
    return name or described


def _unidentified_rebuild(canonical: dict[str, str]) -> None:
    """Adults recorded only by relationship or by a first name at a home: placed at the address of the record's
    home visit, for a worker to identify (`sighting_identify`)."""
    UnidentifiedSighting.objects.all().delete()
    unnamed = (Mention.objects.filter(withdrawn=False, link__method=LinkMethod.UNLINKABLE)
               .filter(Q(link__reason="first_name_only") | ~Q(relationship_label="")))
    rows = []
    home_of_record: dict[int, str] = {}
    unnamed_rows = [
        (mid, record_id, key, seen, sighting_label(given, family, label, related), kind, protected)
        for mid, record_id, key, seen, given, family, label, related, kind, protected in unnamed.values_list(
            "id", "record_id", "address_key", "occurred_on", "given_name", "family_name", "relationship_label",
            "relationship_to_subject", "record__kind", "address_protected")
    ]
    need = [r[1] for r in unnamed_rows if not r[2] and r[5] in AT_HOME_KINDS]
    for record_id, key in (
        Mention.objects.filter(record_id__in=need, withdrawn=False).exclude(address_key="")
        .order_by("record_id", "mention_id").values_list("record_id", "address_key")
    ):
        home_of_record.setdefault(record_id, key)
    for mid, record_id, key, seen, label, kind, protected in unnamed_rows:
        key = key or (home_of_record.get(record_id, "") if kind in AT_HOME_KINDS else "")
        if key and not protected:
            rows.append(UnidentifiedSighting(mention_id=mid, address_key=canonical.get(key, key), seen_on=seen,
                                             label=label))
    UnidentifiedSighting.objects.bulk_create(rows, batch_size=BATCH)


# --- the default model -------------------------------------------------------------------------------------

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "linkage" / "default_model.json"
DEFAULT_MODEL_SIM = {"children": 400, "years": 2, "seed": 14}  # the simulated authority it is trained on
DEFAULT_MODEL_ENGINE = "default"  # LinkageModel.engine of the default model when a batch run links with it


@lru_cache(maxsize=1)
def default_model() -> dict | None:
    """The linkage model shipped with joinedup (`linkage/default_model.json`), trained at build time on a small
    simulated authority, never on real records: online matching uses it until the deployment has trained its
    own (`joinedup link`). None when the file is missing or unreadable."""
    try:
        model = json.loads(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        logger.warning("people: no default linkage model at %s", DEFAULT_MODEL_PATH)
        return None
    model.pop("_joinedup", None)  # how it was made (not part of the Splink model)
    return model


def default_model_train(folder: Path | str, *, out: Path | str = DEFAULT_MODEL_PATH, seed: int = 1) -> dict:
    """Train the default model on a simulated authority's records (a `joinedup simulate` folder) and write it.

    Build step (docs/formats/README.md, "The default model"); synthetic records only:
    `joinedup simulate --children 400 --years 2 --seed 14 --out /tmp/default-model-sim --no-progress`, then
    `joinedup shell -c "from joinedup.people.services import default_model_train as t; t('/tmp/default-model-sim')"`.
    """
    from joinedup.ingest.readers import read_items, record_files

    mentions: list[dict] = []
    for path, _agency in record_files(Path(folder)):
        for item in read_items(path):
            if item.problems or item.record is None:
                continue
            rec = item.record
            for m in rec["mentions"]:
                local = m.get("local_person_id")
                mentions.append({
                    **m, "id": len(mentions), "agency": rec["agency_id"],
                    "postcode": (m.get("address") or {}).get("postcode"),
                    "source_identity": f"{rec['agency_id']}:{local}" if local
                    else f"{rec['agency_id']}:{rec['source_record_id']}#{m['mention_id']}",
                })
    model, rows = engine.train(mentions, seed=seed)
    model = json.loads(json.dumps(model))
    made = {"_joinedup": {"trained_on": "a simulated authority (synthetic records only)", **DEFAULT_MODEL_SIM,
                          "identity_rows": rows, "made_by": "joinedup.people.services.default_model_train"}}
    Path(out).write_text(json.dumps({**made, **model}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    default_model.cache_clear()
    return model


def online_model() -> tuple[dict | None, str]:
    """The model online matching uses: the deployment's trained model ("trained"), else the default ("default"),
    else none ("")."""
    stored = LinkageModel.objects.filter(is_current=True).first()
    if stored is not None:
        return stored.model, "trained"
    model = default_model()
    return (model, "default") if model is not None else (None, "")


# --- online matching at ingest ---------------------------------------------------------------------------


def mentions_match_online(*, mention_ids: list[int], actor: ActorRef) -> dict[str, int]:
    """Attach newly arrived mentions to people now, using our blocking-key index and the model's weights.

    A mention whose agency person id is already linked joins that person. Otherwise candidates come from
    the index and `linkage.online.match_person` decides with the batch clustering's rules: one person
    clearly above the accept threshold is joined; anything uncertain becomes a new person plus a review
    item. With no trained model yet the default model shipped with joinedup is used (`default_model`); if
    that cannot be used either, nothing is linked until `joinedup link` (the API response says so).
    """
    t0 = time.perf_counter()
    model, which = online_model()
    if model is None or not mention_ids:
        return {}
    try:
        scorer = engine.scorer(model)
    except (KeyError, ValueError):
        if which != "default":
            raise
        logger.exception("people: the default linkage model does not fit this version; run `joinedup link`")
        return {}
    mentions = [_mention_dict(r) for r in Mention.objects.filter(pk__in=mention_ids).order_by("id").values(*MENTION_FIELDS)]
    rows, row_of, unlinkable = engine.prepare_rows(mentions)
    now = utc_now()
    outcome: Counter[str] = Counter()
    touched: set = set()
    decisions = latest_decisions()
    identified = _identified_sightings([m["id"] for m in mentions])
    for i, m in enumerate(mentions):
        uid = row_of[i]
        if uid is None:
            person = identified.get(m["id"])  # a worker said who this unidentified adult is
            MentionLink.objects.update_or_create(mention_id=m["id"], defaults={
                "person_id": person, "method": LinkMethod.REVIEW if person else LinkMethod.UNLINKABLE,
                "linked_at": now, "identity_uid": "", "match_probability": None, "fields": {},
                "reason": "identified by a worker" if person else unlinkable.get(i, ""),
            })
            if person:
                touched.add(person)
            outcome["identified" if person else "unlinkable"] += 1
            continue
        row = rows[uid]
        match = match_identity_row(uid, row, scorer, decisions)
        person_id, method = match.person_id, match.method
        if person_id is None:
            person_id = Person.objects.create().pk
            for other_uid, prob, reason in match.review:
                _open_review_item(uid, row, m["id"], other_uid, prob, scorer, reason, now)
                outcome["review"] += 1
        if not IdentityRow.objects.filter(uid=uid).exists():
            IdentityRow.objects.create(uid=uid, person_id=person_id, source_identity=row["source_identity"],
                                       agency_code=row.get("agency") or "", attrs=row)
            BlockingKey.objects.bulk_create([BlockingKey(key=k, identity_id=uid) for k in engine.keys_for(row)])
        MentionLink.objects.update_or_create(mention_id=m["id"], defaults={
            "person_id": person_id, "identity_uid": uid, "match_probability": match.probability,
            "method": method, "fields": match.fields, "matched_identity_uid": match.matched_uid,
            "reason": match.reason, "linked_at": now,
        })
        touched.add(person_id)
        outcome[method] += 1
    persons_refresh(touched)
    residence_rebuild(touched)
    audit_event_record(actor=actor, action=AuditAction.LINKAGE_ONLINE, object_type="mention",
                       detail={"mention_ids": mention_ids[:500], "outcome": dict(outcome), "model": which})
    persons_linked.send(sender=MentionLink, person_ids=touched, via="api", actor=actor, progress=None,
                        mention_ids=[m["id"] for m in mentions])  # the arrivals: alerts judge them at their own day
    metrics.linkage_run_counted("online", time.perf_counter() - t0, on_commit=True)
    return dict(outcome)


def _open_review_item(uid, row, mention_id, other_uid, prob, scorer, reason, now) -> None:
    other = IdentityRow.objects.filter(uid=other_uid).first()
    other_mention = MentionLink.objects.filter(identity_uid=other_uid).values_list("mention_id", flat=True).first()
    if other is None or other_mention is None:
        return
    left, right = sorted([(uid, row, mention_id), (other.uid, other.attrs, other_mention)], key=lambda t: t[0])
    fields = scorer.score(left[1], right[1])[2]
    item, created = ReviewItem.objects.get_or_create(
        left_uid=left[0], right_uid=right[0], status=ReviewStatus.OPEN,
        defaults={"left_source_identity": left[1]["source_identity"], "right_source_identity": right[1]["source_identity"],
                  "left_mention_id": left[2], "right_mention_id": right[2], "match_probability": prob,
                  "fields": fields, "reason": reason, "created_at": now},
    )
    if not created and (item.match_probability, item.reason, item.fields) != (prob, reason, fields):
        # the pair is open already: it now says what this match found (probability and reason together)
        ReviewItem.objects.filter(pk=item.pk).update(match_probability=prob, reason=reason, fields=fields)


@dataclass
class OnlineOutcome:
    """What online matching concluded for one identity row."""

    person_id: object | None
    method: str
    probability: float | None = None
    fields: dict = field(default_factory=dict)
    matched_uid: str = ""
    reason: str = ""
    review: list = field(default_factory=list)  # (identity uid, probability, reason) to put to a person


def match_identity_row(uid: str, row: dict, scorer, decisions: dict) -> OnlineOutcome:
    """Match one identity row against our index. Reads only, so `joinedup bench match` can time it alone."""
    from joinedup.people.linkage.online import match_person

    known = IdentityRow.objects.filter(uid=uid).values_list("person_id", flat=True).first()
    if known is not None:
        return OnlineOutcome(known, LinkMethod.SAME_SOURCE_ID, 1.0, matched_uid=uid)
    same_source = IdentityRow.objects.filter(source_identity=row["source_identity"]).values_list("person_id", "uid").first()
    if same_source is not None:
        return OnlineOutcome(same_source[0], LinkMethod.SAME_SOURCE_ID, 1.0, matched_uid=same_source[1])
    keys = engine.keys_for(row)
    by_person: dict[object, list[dict]] = defaultdict(list)
    for cand_uid, person_id, source, attrs in IdentityRow.objects.filter(keys__key__in=keys).distinct().values_list(
        "uid", "person_id", "source_identity", "attrs"
    ):
        if decisions.get(_pair(source, row["source_identity"])) == Decision.DIFFERENT:
            continue
        by_person[person_id].append(dict(attrs, unique_id=cand_uid))
    if not by_person:
        return OnlineOutcome(None, LinkMethod.NEW)
    match = match_person(row, by_person, scorer, accept=engine.ACCEPT, review_low=engine.REVIEW_LOW)
    if match.person is not None:
        best = max(by_person[match.person], key=lambda attrs: scorer.score(row, attrs)[0])
        return OnlineOutcome(match.person, LinkMethod.ONLINE, match.probability, scorer.score(row, best)[2],
                             best["unique_id"])
    review = []
    for person_id, prob, reason in match.review:
        best = max(by_person[person_id], key=lambda attrs: scorer.score(row, attrs)[0])
        review.append((best["unique_id"], prob, reason))
    return OnlineOutcome(None, LinkMethod.NEW, None, reason=match.reason, review=review)


# --- people's decisions --------------------------------------------------------------------------------


@transaction.atomic
def review_decide(*, item: ReviewItem, user, decision: str, reason: str = "") -> LinkDecision:
    """Confirm (the same person) or reject (different people) an uncertain match; applied at once and in every later run."""
    if item.status == ReviewStatus.SUPERSEDED:
        raise ValueError(ALREADY_SETTLED)
    if item.status != ReviewStatus.OPEN:
        raise ValueError(ALREADY_DECIDED)
    if decision not in Decision.values:
        raise ValueError("decision: choose 'same' or 'different'.")
    a, b = _pair(item.left_source_identity, item.right_source_identity)
    now = utc_now()
    status = ReviewStatus.CONFIRMED if decision == Decision.SAME else ReviewStatus.REJECTED
    # Compare and set: of two people deciding the same item at once, the second finds it no longer open.
    if not ReviewItem.objects.filter(pk=item.pk, status=ReviewStatus.OPEN).update(
        status=status, decided_by=user, decided_at=now
    ):
        raise ValueError(ALREADY_DECIDED)
    item.status, item.decided_by, item.decided_at = status, user, now
    record = LinkDecision.objects.create(source_identity_a=a, source_identity_b=b, decision=decision, reason=reason,
                                         decided_by=user, decided_at=now, review_item=item)
    left = MentionLink.objects.filter(mention_id__in=_mention_ids_of(item.left_source_identity)).values_list(
        "person_id", flat=True).first()
    right = MentionLink.objects.filter(mention_id__in=_mention_ids_of(item.right_source_identity)).values_list(
        "person_id", flat=True).first()
    if decision == Decision.SAME and left and right and left != right:
        _merge_persons(keep=left, into_from=right, method=LinkMethod.REVIEW, prob=item.match_probability,
                       fields=item.fields)
    elif decision == Decision.DIFFERENT and left and left == right:
        _move_source_identity(item.right_source_identity)
    audit_event_record(actor=actor_for(user), action=AuditAction.MATCH_DECIDE, object_type="review_item",
                       object_id=item.pk, subject_person_id=left, reason=reason,
                       detail={"decision": decision, "source_identities": [a, b]})
    return record


ALREADY_DECIDED = "This match has already been decided."
ALREADY_SETTLED = "This match is no longer needed: a later linkage run settled it."
NOT_IN_QUEUE = "This match is no longer in the queue."
NOT_SAVED = "It could not be saved. Try again; if it fails again, tell your system administrator."


@dataclass
class ReviewBatchOutcome:
    """What a batch of decisions did: the items decided, and each item that could not be with why."""

    decision: str
    decided: list = field(default_factory=list)
    failed: list[tuple[object, str]] = field(default_factory=list)

    def failed_by_reason(self) -> list[tuple[str, int]]:
        return sorted(Counter(why for _id, why in self.failed).items(), key=lambda kv: (-kv[1], kv[0]))


def review_decide_many(*, item_ids: Iterable, user, decision: str, reason: str = "") -> ReviewBatchOutcome:
    """Decide several matches alike, each through `review_decide` in its own transaction with its own audit row.

    One item that cannot be decided (someone else decided it, a linkage run settled it, it is gone) is
    reported and the others are still decided. Called outside a transaction, each decision commits alone;
    inside one, each is a savepoint.
    """
    if not may_review_matches(user):
        raise PermissionDenied("may not review matches")
    if decision not in Decision.values:
        raise ValueError("decision: choose 'same' or 'different'.")
    outcome = ReviewBatchOutcome(decision=decision)
    for item_id in dict.fromkeys(item_ids):
        try:
            with transaction.atomic():
                item = ReviewItem.objects.select_for_update().filter(pk=item_id).first()
                if item is None:
                    raise ValueError(NOT_IN_QUEUE)
                review_decide(item=item, user=user, decision=decision, reason=reason)
        except ValueError as exc:
            outcome.failed.append((item_id, str(exc)))
        except DatabaseError:
            logger.exception("review item %s: the decision could not be saved", item_id)
            outcome.failed.append((item_id, NOT_SAVED))
        else:
            outcome.decided.append(item_id)
    return outcome


@transaction.atomic
def _identified_sightings(mention_ids: list[int] | None = None) -> dict[int, object]:
    """mention id → the person a worker identified that unidentified sighting as."""
    rows = SightingIdentification.objects.all()
    if mention_ids is not None:
        rows = rows.filter(mention_id__in=mention_ids)
    return dict(rows.values_list("mention_id", "person_id"))


def sighting_identify(*, mention_id: int, person_id, user, reason: str) -> SightingIdentification:
    """Say who an unidentified adult is: the mention joins that person now and in every later linkage run.

    Only a mention nobody could identify ("Steve", "Mum's boyfriend") that is still unidentified may be; the
    person must exist (not merged away). Audited in the same transaction; the alert rules re-judge the person.
    """
    from joinedup.access.policy import may_identify_sightings

    if not may_identify_sightings(user):
        raise PermissionDenied
    if not reason.strip():
        raise ValueError("reason: say how you know who this is.")
    if len(reason) > 2000:
        raise ValueError("reason: must be 2,000 characters or fewer.")
    with transaction.atomic():
        link = MentionLink.objects.select_for_update().filter(mention_id=mention_id).first()
        if link is None or link.method != LinkMethod.UNLINKABLE or not UnidentifiedSighting.objects.filter(
            mention_id=mention_id
        ).exists():
            raise ValueError("mention: this sighting has already been identified, or is not an unidentified adult.")
        person = Person.objects.filter(pk=person_id, merged_into__isnull=True).first()
        if person is None:
            raise ValueError("person: choose one of the people listed.")
        now = utc_now()
        made = SightingIdentification.objects.create(mention_id=mention_id, person=person, reason=reason,
                                                     decided_by=user, decided_at=now)
        link.person, link.method, link.reason, link.linked_at = person, LinkMethod.REVIEW, "identified by a worker", now
        link.save(update_fields=["person", "method", "reason", "linked_at"])
        UnidentifiedSighting.objects.filter(mention_id=mention_id).delete()
        persons_refresh([person.pk])
        residence_rebuild([person.pk])
        audit_event_record(actor=actor_for(user), action=AuditAction.SIGHTING_IDENTIFY, object_type="mention",
                           object_id=mention_id, subject_person_id=person.pk, reason=reason)
        persons_linked.send(sender=MentionLink, person_ids={person.pk}, via="review", actor=actor_for(user),
                            progress=None)
    return made


def person_split(*, person: Person, source_identity: str, user, reason: str) -> Person:
    """Take one agency identity out of a person: it is not them. Every later run keeps them apart."""
    if not reason.strip():
        raise ValueError("reason: say why this is not the same person.")
    others = set(
        MentionLink.objects.filter(person=person).exclude(mention__source_identity=source_identity)
        .values_list("mention__source_identity", flat=True)
    )
    if not others:
        raise ValueError("source_identity: this is the person's only identity; there is nothing to split from.")
    now = utc_now()
    LinkDecision.objects.bulk_create([
        LinkDecision(source_identity_a=_pair(source_identity, o)[0], source_identity_b=_pair(source_identity, o)[1],
                     decision=Decision.DIFFERENT, reason=reason, decided_by=user, decided_at=now)
        for o in sorted(others)
    ])
    new_person = _move_source_identity(source_identity)
    audit_event_record(actor=actor_for(user), action=AuditAction.PERSON_SPLIT, object_type="person",
                       object_id=person.pk, subject_person_id=person.pk, reason=reason,
                       detail={"source_identity": source_identity, "new_person": str(new_person.pk)})
    return new_person


def _mention_ids_of(source_identity: str) -> list[int]:
    # Looked up first, then used by key: an UPDATE with a joined subquery gets a very poor plan on
    # PostgreSQL before the freshly loaded tables are analysed.
    return list(Mention.objects.filter(source_identity=source_identity).values_list("id", flat=True))


def _move_source_identity(source_identity: str) -> Person:
    new_person = Person.objects.create()
    mention_ids = _mention_ids_of(source_identity)
    old = set(MentionLink.objects.filter(mention_id__in=mention_ids).values_list("person_id", flat=True))
    MentionLink.objects.filter(mention_id__in=mention_ids).update(
        person=new_person, method=LinkMethod.REVIEW, match_probability=None, fields={}, linked_at=utc_now()
    )
    IdentityRow.objects.filter(source_identity=source_identity).update(person=new_person)
    persons_refresh(old | {new_person.pk})
    residence_rebuild(old | {new_person.pk})
    return new_person


def _merge_persons(*, keep, into_from, method, prob, fields) -> None:
    """Move every mention of `into_from` to `keep` (the larger keeps its id) and leave a forwarding pointer."""
    sizes = dict(Person.objects.filter(pk__in=[keep, into_from]).annotate(n=Count("mention_links")).values_list("pk", "n"))
    if sizes.get(into_from, 0) > sizes.get(keep, 0):
        keep, into_from = into_from, keep
    MentionLink.objects.filter(person_id=into_from).update(person_id=keep, linked_at=utc_now())
    IdentityRow.objects.filter(person_id=into_from).update(person_id=keep)
    Person.objects.filter(pk=into_from).update(merged_into_id=keep)
    persons_refresh([keep, into_from])
    residence_rebuild([keep, into_from])



def mentions_link_by_name_and_dob(*, reason: str) -> dict[tuple, uuid.UUID]:
    """Link every stored mention to a person by its exact name and date of birth, then build the people and the
    households as a linkage run would. Only for made-up data in which that match is certain (the benches, whose
    agencies name each person with one local id, one name and one date of birth). (given, family, dob) → person id."""
    from joinedup.ingest.models import Mention

    person_of: dict[tuple, uuid.UUID] = {}
    links = []
    now = utc_now()
    for mention_id, given, family, dob in Mention.objects.values_list("id", "given_name", "family_name", "dob"):
        pid = person_of.setdefault((given, family, dob), uuid.uuid4())
        links.append(MentionLink(mention_id=mention_id, person_id=pid, method=LinkMethod.SAME_SOURCE_ID,
                                 match_probability=1.0, reason=reason, linked_at=now))
    Person.objects.bulk_create([Person(id=pid) for pid in person_of.values()])
    MentionLink.objects.bulk_create(links, batch_size=1000)
    persons_refresh(person_of.values())
    residence_rebuild(None)
    return person_of
