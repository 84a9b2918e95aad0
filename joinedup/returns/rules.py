"""The validators' rules in plain English, for the practitioner who fixes the record: what is wrong and where
to fix it. A rule not listed here is said in the validator's own words (most already are plain)."""

from __future__ import annotations

CIN: dict[str, str] = {
    "8925": "The child protection plan ends before it starts: correct the plan's start or end date.",
    "8840": "The child protection plan starts and ends on the same day: correct its end date.",
    "8875": "The initial child protection conference is dated on a weekend: correct the conference's date.",
    "8870Q": "The initial conference's target date falls on a weekend.",
    "2885": "The child protection plan does not start on the day of the initial conference that decided it: "
            "correct the plan's start date or the conference's date.",
    "4220": "The child's ethnicity is missing: record it on the child's details.",
    "8540": "The child's disability is missing or not a DfE code: record it on the child's details.",
    "8770Q": "A child of school age has no UPN and no reason for it: record the UPN, or why it is unknown.",
    "8820": "Two of the child's episodes of need overlap: correct a referral or closure date.",
    "4001": "A child in need plan runs at the same time as a child protection plan: end the child in need plan.",
    "8867": "The case is closed but an assessment in it was never authorised: record the authorisation.",
    "8868": "The case is closed but a section 47 enquiry in it has no conference date and was not marked as "
            "needing none: record its outcome.",
    "8610": "The referral has no primary need code: record it on the referral.",
    "8897Q": "A completed assessment has no factors recorded: record its factors (21 when none).",
    "8670Q": "An assessment started more than 45 working days before 31 March is still open.",
    "8675Q": "A section 47 enquiry started more than 15 working days before 31 March has no conference date.",
}
SSDA903: dict[str, str] = {
    "630": "The child started to be looked after this year but the episode has no previous permanence "
           "(Z1 when none): record it on the episode that started the period of care.",
    "142": "A looked-after episode starts before the previous one ended: correct the episodes' dates.",
    "433": "A looked-after episode that continues care (a change of placement or legal status) does not start on "
           "the day the previous episode ended: the episodes overlap or leave a gap; correct their dates.",
    "388": "The episode ended with X1 (a new episode begins the same day) but no episode begins that day: correct "
           "the episode's end, its reason, or the next episode's start.",
    "503": "The child's looked-after episodes overlap: correct the episodes' dates.",
    "103": "The child's ethnicity is missing: record it on the child's details.",
    "225": "The placement changed but no reason for the change is recorded on the episode that ended.",
    "393": "A looked-after girl's motherhood status is missing: record it on the child's details.",
    "218": "The placement's Ofsted URN is missing: record it on the episode.",
    "SW12STG2": "Social worker allocations do not cover the child's time in care this year.",
    "SW17STG2": "The child has no social worker allocated at 31 March.",
}


def plain_english(kind: str, rule: str, message: str) -> str:
    table = CIN if kind == "cin" else SSDA903
    said = table.get(rule) or (table.get(rule.rstrip("ABCDEFGHIJ")) if kind == "903" else None)
    return said or message.strip()
