"""Which body sites are TEN-4-FACESp sites: the product's table of SNOMED CT body-structure codes, text as the fallback.

An emergency-care feed codes an injury's site as a SNOMED CT body-structure concept (FHIR `Condition.bodySite`,
`detail.injury.site_code` in the agency record format). R2 reads the code first: a code in `TEN4_SITE_CODES` is a
TEN-4-FACESp site, a code in `OTHER_SITE_CODES` is not, and only a record without a code — or with a code in
neither table (a finer concept such as a left or right structure, which this table does not expand) — is read
from its text (`detail.injury.site`) by whole words.

TEN-4-FACESp (Pierce et al. 2021): bruising to the torso (chest, abdomen, back, buttocks, genitourinary area),
ear, neck, frenulum, angle of jaw, cheek (fleshy part), eyelid or subconjunctiva in a child under 4. Concept ids
are SNOMED CT International Edition (a public standard); the frenulum and the angle of the jaw have no code in
this table yet and are read from text.
"""

from __future__ import annotations

# code → the TEN-4-FACESp region it is (SNOMED CT preferred term in the comment)
TEN4_SITE_CODES: dict[str, str] = {
    "22943007": "torso",  # Trunk structure
    "51185008": "torso",  # Thoracic structure (chest)
    "113345001": "torso",  # Abdominal structure
    "63337009": "torso",  # Structure of abdominopelvic segment of trunk
    "77568009": "torso",  # Back structure, excluding neck
    "727234005": "torso",  # Entire back of trunk
    "46862004": "torso",  # Buttock structure
    "18911002": "torso",  # Penile structure (genitourinary)
    "76784001": "torso",  # Vaginal structure (genitourinary)
    "53505006": "torso",  # Anal structure
    "117590005": "ear",  # Ear structure
    "45048000": "neck",  # Neck structure
    "60819002": "cheek",  # Cheek structure
    "80243003": "eyelid",  # Eyelid structure
    "29445007": "subconjunctiva",  # Conjunctival structure
}

# Sites that are not TEN-4-FACESp sites (a code here is never read from its text).
OTHER_SITE_CODES: dict[str, str] = {
    "69536005": "head",  # Head structure
    "52795006": "forehead",  # Forehead structure
    "89545001": "face",  # Face structure (not itself a TEN-4 region: cheek, ear, eyelid are)
    "45206002": "nose",  # Nasal structure
    "48477009": "lip",  # Lip structure
    "123851003": "mouth",  # Mouth region structure
    "81745001": "eye",  # Structure of eye proper
    "53120007": "upper limb",  # Upper limb structure
    "40983000": "upper arm",  # Structure of upper limb between shoulder and elbow
    "16982005": "shoulder",  # Shoulder region structure
    "127949000": "elbow",  # Elbow region structure
    "14975008": "forearm",  # Forearm structure
    "85562004": "hand",  # Hand structure
    "182281004": "lower limb",  # Entire lower limb
    "29836001": "hip",  # Hip region structure
    "68367000": "thigh",  # Thigh structure
    "72696002": "knee",  # Knee region structure
    "30021000": "lower leg",  # Structure of lower extremity from knee to ankle
    "78234002": "shin",  # Shin structure
    "344001": "ankle",  # Ankle region structure
    "56459004": "foot",  # Foot structure
}

# The fallback: words of the recorded site text (whole words, so "forearm" is not "ear").
TEN4_SITE_WORDS = ("torso", "chest", "abdomen", "abdominal", "stomach", "back", "lower back", "buttock", "buttocks",
                   "genitals", "genital", "groin", "ear", "ears", "neck", "frenulum", "angle of jaw", "jaw", "cheek",
                   "cheeks", "eyelid", "eyelids", "subconjunctival", "subconjunctiva")


# R3 compares accounts of injuries close in time *and site*: the body area each site lies in. Left and right are
# not told apart (the codes above do not), so a bruise to the left forearm and one to the right hand are both
# "arm". A site in no area (nothing recorded, or words this table does not hold) is compared with nothing.
AREA_OF_REGION: dict[str, str] = {  # a code's region (the tables above) → its area; never matched against text
    "torso": "trunk", "neck": "neck",
    "ear": "head or face", "cheek": "head or face", "eyelid": "head or face", "subconjunctiva": "head or face",
    "head": "head or face", "forehead": "head or face", "face": "head or face", "nose": "head or face",
    "lip": "head or face", "mouth": "head or face", "eye": "head or face",
    "upper limb": "arm", "upper arm": "arm", "shoulder": "arm", "elbow": "arm", "forearm": "arm", "hand": "arm",
    "lower limb": "leg", "hip": "leg", "thigh": "leg", "knee": "leg", "lower leg": "leg", "shin": "leg",
    "ankle": "leg", "foot": "leg",
}

# The text fallback for the area: whole words of the recorded site (checked in this order).
AREA_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("neck", ("neck", "throat")),
    ("head or face", ("head", "scalp", "forehead", "face", "facial", "temple", "cheek", "cheeks", "ear", "ears",
                      "eye", "eyes", "eyelid", "eyelids", "eyebrow", "nose", "lip", "lips", "mouth", "jaw", "chin",
                      "frenulum", "subconjunctival", "subconjunctiva")),
    ("arm", ("arm", "arms", "forearm", "forearms", "shoulder", "shoulders", "elbow", "elbows", "wrist", "wrists",
             "hand", "hands", "finger", "fingers", "thumb", "palm")),
    ("leg", ("leg", "legs", "hip", "hips", "thigh", "thighs", "knee", "knees", "shin", "shins", "calf", "ankle",
             "ankles", "foot", "feet", "toe", "toes", "heel")),
    ("trunk", ("torso", "chest", "abdomen", "abdominal", "stomach", "tummy", "back", "buttock", "buttocks", "bottom",
               "rib", "ribs", "genitals", "genital", "groin", "trunk")),
)
