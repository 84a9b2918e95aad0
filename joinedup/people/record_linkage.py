"""How the mentions of records received through the API were linked, for the response (docs/formats/README.md,
"How the records were linked").

Records arriving through the API are matched online inside the ingest transaction
(`people.services.mentions_match_online`) with the deployment's trained model or, until `joinedup link` has
trained one, the default model shipped with joinedup. The response says, for each stored record, which model was
used and which person each of its mentions joined and how, or that it was not linked and why (no model could be
used: nothing is linked until `joinedup link` runs), instead of leaving the sender to guess.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from joinedup.accounts.models import User
from joinedup.ingest.models import Mention
from joinedup.people.models import LinkMethod
from joinedup.people.services import online_model

LINKED, PARTLY, NOT_LINKED = "linked", "partly_linked", "not_linked"
NO_MODEL = ("not linked: joinedup has no trained linkage model yet, so records are not matched on arrival; run "
            "`joinedup link` (it trains one and links every record received)")
NOT_YET = "not linked yet: the next `joinedup link` run links it"
DEFAULT_UNUSABLE = ("not linked: the default linkage model shipped with joinedup could not be used (see the log); "
                    "run `joinedup link` (it trains a model on this deployment's records and links them)")


def records_linkage(*, viewer: User, source_record_ids: Iterable[str]) -> dict[str, dict]:
    """source_record_id → {"status", "model", "reason", "mentions": [{"mention_id", "person_id", "method",
    "reason"}]} for the viewer's own agency's records (the sender sees only the records it sent)."""
    ids = list(dict.fromkeys(source_record_ids))
    if not ids or viewer.agency_id is None:
        return {}
    _model, which = online_model()
    missing = {"trained": NOT_YET, "default": DEFAULT_UNUSABLE}.get(which, NO_MODEL)
    rows: dict[str, list[dict]] = defaultdict(list)
    for i in range(0, len(ids), 500):
        for srid, mid, person_id, method, reason in (
            Mention.objects.filter(agency_id=viewer.agency_id, record__source_record_id__in=ids[i:i + 500],
                                   withdrawn=False)
            .order_by("record__source_record_id", "mention_id")
            .values_list("record__source_record_id", "mention_id", "link__person_id", "link__method", "link__reason")
        ):
            if method is None:
                reason = missing
            elif person_id is None and not reason:
                reason = dict(LinkMethod.choices).get(method, method)
            rows[srid].append({"mention_id": mid, "person_id": str(person_id) if person_id else None,
                               "method": method, "reason": reason or ""})
    out = {}
    for srid in ids:
        mentions = rows.get(srid, [])
        linked = sum(1 for m in mentions if m["person_id"])
        status = LINKED if mentions and linked == len(mentions) else PARTLY if linked else NOT_LINKED
        reason = ""
        if status != LINKED:
            reasons = list(dict.fromkeys(m["reason"] for m in mentions if not m["person_id"] and m["reason"]))
            reason = "; ".join(reasons)
        out[srid] = {"status": status, "model": which, "reason": reason, "mentions": mentions}
    return out
