"""Keep the casework tables equal to the records: whenever people's links change (records arriving through
the API, a batch `joinedup link`, a step recorded in joinedup), re-fold their casework records.

Sent inside the request for API arrivals and steps recorded in joinedup, so the front-door queue and the
case page are right as soon as the request commits; a failure rolls the request back (the sender retries,
nothing is lost). After a batch run the people whose links changed are projected with progress.
"""

from django.dispatch import receiver

from joinedup.people.signals import persons_linked


@receiver(persons_linked, dispatch_uid="casework.project_linked")
def project_linked(sender, *, person_ids, via, progress=None, **kwargs):
    from joinedup.casework.projection import casework_project

    if not person_ids:
        return
    if via != "api" and progress is not None:
        progress(f"Casework: re-reading the children's social care records of {len(person_ids):,} people…")
    totals = casework_project(person_ids, progress=progress if via != "api" else None)
    if via != "api" and progress is not None:
        progress(f"Casework: {totals['cases']:,} cases and {totals['contacts']:,} contacts for {totals['people']:,} "
                 f"children; {totals['issues']:,} records could not be placed (see docs/casework.md).")
