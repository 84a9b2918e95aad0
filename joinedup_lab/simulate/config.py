"""Configuration of a simulated authority: size, period, seed, event rates and identity noise."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date

# Noise settings that are shares of what a trap already did, not noise in themselves: not multiplied by `scale`.
UNSCALED_NOISE = frozenset({"dob_estimated_flagged", "given_only_labelled"})


@dataclass(frozen=True)
class NoiseConfig:
    """Identity-noise rates per agency-held identity (multiplied by `scale`); defaults in docs/simulator.md."""

    scale: float = 1.0
    nickname: float = 0.06
    spelling_variant: float = 0.05
    name_typo: float = 0.02
    previous_surname: float = 0.30
    dob_day_month_swap: float = 0.015
    dob_wrong_year: float = 0.01
    nhs_mistyped: float = 0.01
    duplicate_person: float = 0.03
    relationship_only_hidden: float = 0.5
    relationship_only_other: float = 0.02
    baby_unnamed: float = 0.7
    address_variant: float = 0.3
    postcode_missing: float = 0.05
    postcode_typo: float = 0.02
    address_partial: float = 0.03
    correction_resend: float = 0.01
    # record traps of issue 14 (joinedup_lab/simulate/traps.py; labelled in truth/traps.csv)
    nhs_sibling: float = 0.01  # a child's NHS number held as a brother's or sister's (children with siblings)
    dob_estimated: float = 0.05  # 1 January, 1 July, the 1st or 15th of the month (police, probation, ambulance,
    #                              A&E hospitals, housing options)
    given_transliterated: float = 0.25  # another romanisation (Muhammad → Mohamed; traps.TRANSLITERATIONS)
    given_initial: float = 0.02  # a forename recorded as its initial ("S", "S.")
    surname_upper: float = 0.05  # a surname in capitals
    surname_hyphenated: float = 0.08  # both parents' surnames joined (children whose parents' surnames differ)
    # record traps of the format's dob_estimated, age and other_names (drawn from the "trap-records" stream)
    dob_estimated_flagged: float = 0.6  # of estimated dates of birth, those sent with dob_estimated: true (a share
    #                                     of the estimates, not scaled: some systems have the flag, some do not)
    age_only: float = 0.04  # an adult's age ("about 34") instead of a date of birth (police, ambulance, A&E)
    surname_changed: float = 0.5  # of identities held under the new surname of someone whose surname changed,
    #                               those listing the old one in other_names
    # a mention trap (drawn from the "trap-given" stream; labelled per mention in truth/traps.csv)
    given_only: float = 0.3  # a hidden adult's mention written by his first name alone (police incidents,
    #                          children's social care, community health; not already relationship-only)
    given_only_labelled: float = 0.7  # of those, the ones that still say how he was described ("partner"; a share
    #                                   of the first-name-only mentions, not scaled)

    def p(self, name: str) -> float:
        """The effective probability of one noise kind after scaling (capped at 1); shares are not scaled."""
        if name in UNSCALED_NOISE:
            return getattr(self, name)
        return min(1.0, getattr(self, name) * self.scale)

    def probabilities(self) -> dict[str, float]:
        """Every effective probability by name, for hot loops."""
        return {f.name: self.p(f.name) for f in fields(self) if f.name != "scale"}


@dataclass(frozen=True)
class RateConfig:
    """Event rates; per person or household per year unless the name says otherwise."""

    # children's social care (calibrated to DfE per-10,000 figures; see docs/simulator.md)
    referral_per_child_year: float = 0.0585
    complex_household_share: float = 0.08
    complex_referral_multiplier: float = 4.0
    referral_nfa: float = 0.08
    assessment_not_in_need: float = 0.40
    assessment_s47: float = 0.33
    s47_to_conference: float = 0.42
    conference_to_plan: float = 0.88
    plan_mean_days: float = 210.0
    cin_plan_mean_days: float = 360.0
    plan_to_looked_after: float = 0.25
    s47_to_looked_after: float = 0.12
    cin_to_looked_after: float = 0.02
    looked_after_mean_days: float = 1500.0
    csc_burn_in_years: int = 10
    front_door_contacts_per_referral: float = 1.0  # contacts that do not become referrals (NFA, advice, early help)
    contact_decided_late: float = 0.10  # decided after more than one working day
    assessment_late: float = 0.15  # authorised after 45 working days from the referral
    icpc_late: float = 0.20  # initial conference after 15 working days from the strategy discussion
    review_late: float = 0.15
    core_group_late: float = 0.15  # first core group after 10 working days from the initial conference
    review_category_change: float = 0.10
    # practice around the casework (docs/simulator.md, "Visits, supervision and the practice file")
    visit_late: float = 0.07  # a statutory visit planned after its due day
    visit_not_seen: float = 0.10  # the child not seen at a visit
    visit_not_seen_harm: float = 0.45  # ... during a harm episode
    visit_seen_alone: float = 0.85  # seen alone when the plan requires it (child protection plan, aged 4+)
    revisit_seen: float = 0.85  # the child seen at an accompanied revisit
    revisit_seen_harm: float = 0.6
    revisit_late: float = 0.10  # the revisit after its due time (one working day on a plan, five otherwise)
    supervision_missed: float = 0.05  # a four-weekly supervision session that did not happen
    supervision_action_late: float = 0.15  # an action agreed in supervision done after its due day
    supervision_action_never: float = 0.08  # ... never recorded as done
    meeting_dissent: float = 0.15  # a decision someone dissented from (where the vocabulary has a dissent)
    dissent_escalated: float = 0.3  # a professional's dissent taken up under the resolution protocol
    concern_per_family: float = 0.2  # a concern about a family whose case is open in the practice file's window
    concern_late: float = 0.15  # answered after its deadline (5 working days)
    concern_open: float = 0.08  # not answered by the period's end
    # harm (inflated well above real prevalence so that alerts can be evaluated)
    harm_children_per_10k: float = 25.0
    harm_without_textbook_signs: float = 0.3  # physical-abuse episodes whose injuries look like accidents
    # hardship without harm: poverty, overcrowding, disrepair, missed appointments, absence (everyday.py)
    hardship_household_share: float = 0.2  # of households that are not complex (complex ones all are)
    # health
    gp_consultations_child: float = 1.0
    gp_consultations_under5: float = 2.0
    gp_consultations_adult: float = 0.8
    gp_missed_appointment: float = 0.12
    ed_attendance_child: float = 0.30
    ed_attendance_adult: float = 0.25
    admission_share: float = 0.18
    ambulance_per_person: float = 0.05
    births_per_woman_under43: float = 0.06
    # police, housing, probation
    domestic_abuse_household: float = 0.02
    domestic_abuse_complex: float = 0.6
    arrest_adult: float = 0.01
    social_tenure_share: float = 0.40
    rent_arrears_social: float = 0.15
    property_inspection_social: float = 0.3
    # households
    move_household: float = 0.09
    move_complex: float = 0.35
    separation_couple: float = 0.05
    new_partner_lone_mother: float = 0.10
    new_partner_undeclared: float = 0.4
    # schools
    school_concern_child: float = 0.04
    # population traps of issue 14 (joinedup_lab/simulate/traps.py; labelled in truth/traps.csv)
    twin_births: float = 0.015  # share of births that are twins (England: about 1.5%)
    triplet_births: float = 0.001  # share that are triplets (about five times England's rate, to have a few)
    son_named_after_father: float = 0.03  # a son living with his father, with his surname, given his forename
    surname_deed_poll: float = 0.03  # an adult man whose surname changed by deed poll before the period


@dataclass(frozen=True)
class SimulationConfig:
    """Everything that determines a simulated authority; the same config gives byte-identical output."""

    children: int = 5000
    years: int = 3
    seed: int = 1
    start: date = date(2023, 4, 1)
    noise: NoiseConfig = field(default_factory=NoiseConfig)
    rates: RateConfig = field(default_factory=RateConfig)

    def with_noise(self, **changes: float) -> SimulationConfig:
        """A copy with some noise settings changed."""
        return replace(self, noise=replace(self.noise, **changes))

    def with_rates(self, **changes: float) -> SimulationConfig:
        """A copy with some rate settings changed."""
        return replace(self, rates=replace(self.rates, **changes))

    def as_dict(self) -> dict[str, object]:
        """A JSON-friendly view, written to the output as manifest.json."""
        return {
            "children": self.children,
            "years": self.years,
            "seed": self.seed,
            "start": self.start.isoformat(),
            "noise": {f.name: getattr(self.noise, f.name) for f in fields(self.noise)},
            "rates": {f.name: getattr(self.rates, f.name) for f in fields(self.rates)},
        }
