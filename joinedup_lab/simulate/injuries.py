"""Injuries as agencies record them: the simulator's own body sites (with SNOMED CT body-structure codes), what
was seen, how it was explained and by whom — for ordinary childhood accidents and for harm alike.

Everything here is the simulator's own vocabulary, written from general knowledge of how emergency departments,
GPs and health visitors record injuries; none of it comes from, or may be imported from, the product's alert rules
or their site tables (tests/simulate/test_independence.py). The SNOMED CT ids are public body-structure concepts,
as an emergency-care feed sends them in FHIR `Condition.bodySite`; two sites have no code here (the frenulum and
the angle of the jaw), as some feeds send only text.

Accidents happen on every site, the TEN-4-FACESp ones included (a toddler who walks into a table edge bruises a
forehead, a cheek or an ear), at rates by age: a baby who cannot move about rarely injures themself, a toddler's
injuries are mostly to the head and face, an older child's to the limbs.
"""

from __future__ import annotations

import random
from typing import Any

# site: (SNOMED CT body-structure id, or "" when the feed sends text only; the ways records write it)
SITES: dict[str, tuple[str, tuple[str, ...]]] = {
    "forehead": ("52795006", ("forehead", "Forehead", "frontal area of head")),
    "scalp": ("41695006", ("scalp", "back of head", "occiput")),
    "head": ("69536005", ("head", "Head")),
    "nose": ("45206002", ("nose", "bridge of nose")),
    "lip": ("48477009", ("lip", "lower lip", "upper lip")),
    "chin": ("30291003", ("chin", "Chin")),
    "cheek": ("60819002", ("cheek", "left cheek", "right cheek", "cheekbone")),
    "ear": ("117590005", ("ear", "left ear", "right ear", "ear lobe", "pinna")),
    "eyelid": ("80243003", ("eyelid", "upper eyelid", "lower eyelid")),
    "eye": ("81745001", ("around the eye", "periorbital area")),
    "conjunctiva": ("29445007", ("white of the eye", "conjunctiva")),
    "frenulum": ("", ("frenulum", "upper lip frenum", "inside of upper lip")),
    "jaw_angle": ("", ("angle of the jaw", "jawline below the ear")),
    "neck": ("45048000", ("neck", "side of neck", "front of neck")),
    "chest": ("51185008", ("chest", "chest wall", "ribs")),
    "abdomen": ("113345001", ("abdomen", "tummy", "abdominal wall")),
    "back": ("77568009", ("back", "upper back", "small of the back", "spine area")),
    "buttock": ("46862004", ("buttock", "bottom", "left buttock")),
    "shoulder": ("16982005", ("shoulder", "left shoulder", "right shoulder")),
    "upper_arm": ("40983000", ("upper arm", "left upper arm", "right upper arm")),
    "elbow": ("127949000", ("elbow", "left elbow", "right elbow")),
    "forearm": ("14975008", ("forearm", "left forearm", "right forearm")),
    "wrist": ("8205005", ("wrist", "left wrist", "right wrist")),
    "hand": ("85562004", ("hand", "back of hand", "palm")),
    "finger": ("7569003", ("finger", "index finger", "thumb", "ring finger")),
    "thigh": ("68367000", ("thigh", "left thigh", "right thigh")),
    "knee": ("72696002", ("knee", "left knee", "right knee")),
    "shin": ("30021000", ("shin", "lower leg", "front of lower leg")),
    "ankle": ("344001", ("ankle", "left ankle", "right ankle")),
    "foot": ("56459004", ("foot", "top of foot", "toe")),
    "whole_body": ("38266002", ("whole body", "generalised")),
}
# The simulator's own note of which sites the TEN-4-FACESp rule names (used only to shape harm; never exported).
FACES_LIKE = frozenset({"cheek", "ear", "eyelid", "conjunctiva", "frenulum", "jaw_angle", "neck", "chest", "abdomen",
                        "back", "buttock"})

# Where accidents land, by age band (relative weights): not yet mobile, toddler (walking to 4), older child.
_ACCIDENT_SITES = {
    "baby": {"scalp": 30, "forehead": 25, "cheek": 4, "nose": 6, "ear": 2, "hand": 8, "foot": 6, "finger": 6,
             "back": 2, "eyelid": 2, "lip": 3},
    "toddler": {"forehead": 24, "scalp": 9, "nose": 5, "lip": 7, "chin": 6, "cheek": 5, "ear": 2.5, "eyelid": 2,
                "eye": 3, "frenulum": 1.5, "conjunctiva": 0.4, "jaw_angle": 0.3, "neck": 0.5, "chest": 0.8,
                "abdomen": 0.4, "back": 1.6, "buttock": 0.9, "shin": 8, "knee": 6, "hand": 5, "finger": 7,
                "forearm": 3.5, "elbow": 2, "upper_arm": 1.5, "foot": 3, "thigh": 1, "wrist": 1.5},
    "older": {"knee": 12, "shin": 8, "ankle": 10, "wrist": 10, "forearm": 8, "hand": 8, "finger": 8, "elbow": 4,
              "shoulder": 4, "scalp": 3, "head": 2, "forehead": 5, "chin": 3, "nose": 3, "lip": 2, "cheek": 2,
              "eye": 1.5, "ear": 0.8, "back": 3, "chest": 2, "abdomen": 1, "thigh": 2, "foot": 4, "neck": 0.6,
              "buttock": 0.5, "upper_arm": 2, "eyelid": 0.4, "frenulum": 0.3},
}
_SITE_GROUP = {
    **dict.fromkeys(("forehead", "scalp", "head", "nose", "chin", "cheek", "ear", "eyelid", "eye", "jaw_angle"),
                    "face"),
    **dict.fromkeys(("lip", "frenulum"), "mouth"),
    "conjunctiva": "eye_white",
    **dict.fromkeys(("neck", "chest", "abdomen", "back", "buttock", "shoulder"), "trunk"),
    **dict.fromkeys(("upper_arm", "elbow", "forearm", "wrist", "hand", "finger"), "arm"),
    **dict.fromkeys(("thigh", "knee", "shin", "ankle", "foot"), "leg"),
    "whole_body": "trunk",
}
# What was seen, by site group (the words a triage nurse or GP writes).
SEEN: dict[str, tuple[str, ...]] = {
    "face": ("bruise about 2 cm", "swelling with a bruise", "bump, no loss of consciousness", "graze",
             "small cut closed with glue", "bruise, tender to touch", "red mark"),
    "mouth": ("split lip", "small tear, bleeding stopped", "swollen lip", "cut inside the mouth"),
    "eye_white": ("red patch on the white of the eye", "small bleed on the white of the eye"),
    "trunk": ("bruise about 3 cm", "graze", "red mark", "bruise, faint yellow edges", "tender, no bruise seen"),
    "arm": ("graze", "bruise about 1 cm", "swelling, x-ray normal", "sprain", "buckle fracture on x-ray",
            "small cut", "crush injury to fingertip"),
    "leg": ("graze", "bruise about 2 cm", "swelling, x-ray normal", "sprain", "small cut", "grazed and bruised"),
}
# How children get hurt, by age band and site group (own words; no pronouns, so any child fits).
STORIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("baby", "face"): ("rolled off the bed onto the floor", "slipped from a parent's arms onto the sofa arm",
                       "sibling dropped a toy on the face", "fell from a bouncer placed on the worktop"),
    ("baby", "arm"): ("caught a hand in the cot bars", "sibling trod on a hand on the floor"),
    ("toddler", "face"): ("toddled into the corner of the coffee table", "fell against the edge of the TV unit",
                          "tripped over a toy and landed on the hearth", "slipped on the kitchen floor into a cupboard",
                          "fell off the bottom step", "climbed the sofa arm and toppled off",
                          "walked into a door frame", "fell face first at the park"),
    ("toddler", "mouth"): ("fell with a beaker in the mouth", "tripped onto the patio step",
                           "hit the mouth on the table edge while running"),
    ("toddler", "eye_white"): ("poked in the eye by a sibling", "fell against the corner of a toy box"),
    ("toddler", "trunk"): ("fell backwards onto a toy", "slid down the stairs on the bottom",
                           "fell against the radiator", "climbed out of the cot and fell", "fell off the slide"),
    ("toddler", "arm"): ("trapped fingers in a drawer", "fell off the slide", "pulled by the arm crossing the road",
                         "fell off a ride-on toy"),
    ("toddler", "leg"): ("fell off a ride-on toy", "tripped in the garden", "fell in the park",
                         "stumbled on the pavement"),
    ("older", "face"): ("clash of heads at football", "fell off a bike", "hit by a swing", "fell on the ice",
                        "walked into a lamp post while on a phone"),
    ("older", "mouth"): ("hit by a ball in PE", "fell off a scooter"),
    ("older", "eye_white"): ("hit by a ball in PE", "elbowed at basketball"),
    ("older", "trunk"): ("tackled at rugby", "fell off a trampoline", "fell off a wall", "landed badly at gymnastics"),
    ("older", "arm"): ("fell onto an outstretched hand at the skate park", "fell during PE", "came off a bike",
                       "trapped a finger in a car door", "fell off monkey bars"),
    ("older", "leg"): ("tackled at football", "twisted an ankle running for the bus", "fell off a scooter",
                       "tripped on the stairs at school", "fell off a trampoline"),
}
# Harm: what was seen when the injury was not an accident (own words), from the first small sign to the last.
HARM_SEEN = (
    "bruise about 1 cm",
    "two bruises, one yellowing",
    "cluster of small round bruises",
    "several bruises of different colours",
    "round burn about 1 cm",
    "swelling of the arm, fracture on x-ray",
    "rib fractures, some healing",
)
# Harm: accounts that change from one presentation to the next.
HARM_STORIES = (
    "rolled off the sofa",
    "walked into the coffee table",
    "sibling pushed over",
    "marks easily, always has",
    "dog knocked over",
    "slipped getting out of the bath",
    "caught on the cot side",
    "slipped down two steps",
    "probably happened at nursery",
    "no idea, just noticed it this morning",
    "grandmother dropped by accident",
    "knocked on the car door",
)
# Who writes an injury down and under what code (the same for accidents and harm).
CONSULTATION_CODES = ("minor injury", "bruising", "head injury", "soft tissue injury", "laceration")
NOTE_TEXTS = ("Account taken from the adult present.", "Seen and examined.", "Advice given on care of the injury.",
              "Safety advice given.", "Reviewed; no further treatment.", "Wound cleaned and dressed.")
HARM_PATTERNS = ("grouped round marks", "linear", "curved", "outline of an object")


def age_band(age_days: int) -> str:
    """Not yet mobile (under about 7 months), toddler (to 4), older."""
    return "baby" if age_days < 210 else "toddler" if age_days < 5 * 365 else "older"


def _site(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def coded(rng: random.Random, site: str, with_code: bool) -> dict[str, str]:
    """The site as a record carries it: its text as written and, when the feed codes it, the SNOMED CT id."""
    code, texts = SITES[site]
    out = {"site": rng.choice(texts)}
    if with_code and code:
        out["site_code"] = code
    return out


def explanation(
    rng: random.Random, story: str, explainer: str | None, p_not_given: float, p_not_asked: float
) -> dict[str, str]:
    """The explanation keys of an injury: its status, and when given the account and whose it was."""
    u = rng.random()
    if u < p_not_asked:
        return {"explanation_status": "not_asked"}
    if u < p_not_asked + p_not_given or explainer is None:
        return {"explanation_status": "not_given"}
    return {"explanation_status": "given", "explanation_given": story, "explained_by": explainer}


def accident(
    rng: random.Random, age_days: int, explainer: str | None, with_code: bool
) -> tuple[list[dict[str, Any]], str]:
    """An ordinary childhood injury (one to three sites from one fall), and the story told."""
    band = age_band(age_days)
    site = _site(rng, _ACCIDENT_SITES[band])
    group = _SITE_GROUP[site]
    stories = STORIES.get((band, group)) or STORIES[(band, "face" if band == "baby" else "leg")]
    story = rng.choice(stories)
    sites = [site]
    if rng.random() < 0.12:  # a fall often marks more than one place
        extra = _site(rng, _ACCIDENT_SITES[band])
        if extra != site:
            sites.append(extra)
    told = explanation(rng, story, explainer, 0.02, 0.06)
    severity = "minor" if rng.random() < 0.8 else "moderate"
    out = []
    for s in sites:
        inj: dict[str, Any] = coded(rng, s, with_code)
        inj["description"] = rng.choice(SEEN[_SITE_GROUP[s]])
        inj["severity"] = severity
        inj.update(told)
        out.append(inj)
    return out, story


def harm_injuries(
    rng: random.Random, step: int, steps: int, textbook: bool, story: str, explainer: str, with_code: bool
) -> list[dict[str, Any]]:
    """The injuries of one presentation in a harm episode. Textbook episodes escalate at the face, ears, neck
    and trunk with a changing account (often none); the others look like an accident, with one steady story."""
    if textbook:
        n = 1 if step == 0 else rng.choice((1, 1, 2, 3))
        weights = {s: (6.0 if s in FACES_LIKE else 1.0) for s in ("cheek", "ear", "neck", "chest", "back", "buttock",
                                                                 "eyelid", "frenulum", "jaw_angle", "abdomen",
                                                                 "upper_arm", "thigh", "forearm", "scalp")}
        told = explanation(rng, rng.choice(HARM_STORIES), explainer, 0.18, 0.07)
        seen = HARM_SEEN[min(len(HARM_SEEN) - 2, step * (len(HARM_SEEN) - 1) // max(1, steps - 1))]
    else:
        n = 1 if rng.random() < 0.85 else 2
        weights = {"forehead": 4, "shin": 3, "knee": 2, "forearm": 3, "upper_arm": 2, "scalp": 2, "hand": 1,
                   "thigh": 1}
        told = explanation(rng, story, explainer, 0.02, 0.03)
        seen = ""
    out = []
    chosen: list[str] = []
    for _ in range(n):
        s = _site(rng, weights)
        if s in chosen:
            continue
        chosen.append(s)
        inj: dict[str, Any] = coded(rng, s, with_code)
        inj["description"] = seen or rng.choice(SEEN[_SITE_GROUP[s]])
        inj["severity"] = "moderate" if step else "minor"
        if textbook and step and rng.random() < 0.25:
            inj["pattern"] = rng.choice(HARM_PATTERNS)
        inj.update(told)
        out.append(inj)
    return out


def put(detail: dict[str, Any], injuries: list[dict[str, Any]]) -> dict[str, Any]:
    """Puts injuries into a record's detail: one as `injury`, several as `injuries`."""
    if len(injuries) == 1:
        detail["injury"] = injuries[0]
    else:
        detail["injuries"] = injuries
    return detail
