"""How a person's names, date of birth and NHS number are written into their search text, and how what someone types
is read against it. Both sides go through the same `fold`, in Python, so that SQLite and PostgreSQL find the same
people (the database only looks for one string inside another):

- case does not matter (Unicode case folding: "STRAUSS" finds "Strauß");
- accents do not matter ("Dáisy" finds Daisy and "Daisy" finds Dáisy; "Łukasz" and "Lukasz" are one name);
- apostrophes do not matter ("O'Brien", "O’Brien" and "OBrien" are one name; "O Brien" finds it too, as two parts);
- a name in another script is kept in that script, its vowel marks aside ("Иванова", "مريم", "王伟"): typed as an
  agency wrote it, it is found. A name written without spaces between family and given name (Chinese, Japanese,
  Korean) is found typed whole ("王伟") as well as by either part. Its romanisation (anyascii: "ivanova", "wang",
  "wangwei") is in the search text too, so "Ivanova" typed on an English keyboard finds "Иванова" (a script written
  without vowels romanises to its consonants alone: "مريم" to "mrym", which is found typed so, not as "Maryam").

Pure functions, no ORM: `people.services.persons_refresh` writes the text, the selectors and the partner's look-up
read it, and the migration that recomputes it imports `search_words` and `search_text`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from anyascii import anyascii

# Apostrophes and what keyboards and word processors put in their place.
_APOSTROPHES = frozenset("'’‘ʼʻ`´′ʹ")
# Latin letters Unicode does not decompose into a letter and an accent.
_LATIN_LETTERS = {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h",
                  "ŧ": "t", "ŀ": "l", "ĸ": "k", "ŋ": "n"}
# Marks that are accents or vowel signs: the combining diacritical blocks (Latin, Greek and Cyrillic accents, the
# breve of й, the diaeresis of ё and ї) and Arabic's harakat, superscript alef and tatweel (ـ). Marks that make a
# letter of another script (a Devanagari vowel sign, a kana's voicing mark) are kept.
_MARKS = (range(0x0300, 0x0370), range(0x1AB0, 0x1B00), range(0x1DC0, 0x1E00), range(0x20D0, 0x2100),
          range(0xFE20, 0xFE30), range(0x064B, 0x0660), range(0x0670, 0x0671), range(0x0640, 0x0641))
_UNSPACED_SCRIPTS = ("CJK UNIFIED", "CJK COMPATIBILITY", "HIRAGANA", "KATAKANA", "HANGUL")


def _is_mark(ch: str) -> bool:
    code = ord(ch)
    return any(code in block for block in _MARKS)


def fold(text: str | None) -> str:
    """Text as search compares it: case folded, accents, vowel marks and apostrophes taken out, dashes one dash."""
    if not text:
        return ""
    kept = []
    for ch in unicodedata.normalize("NFKD", text):
        if ch in _APOSTROPHES or _is_mark(ch):
            continue
        kept.append("-" if unicodedata.category(ch) == "Pd" else ch)
    folded = "".join(kept).casefold()
    folded = "".join(_LATIN_LETTERS.get(ch, ch) for ch in folded)
    return unicodedata.normalize("NFC", folded)


def search_terms(typed: str | None) -> list[str]:
    """What someone typed as the parts search looks for, each folded ("Dáisy  O’Brien" → ["daisy", "obrien"])."""
    return [term for term in fold(typed).split() if term]


def _unspaced(name: str) -> bool:
    return any(unicodedata.name(ch, "").startswith(_UNSPACED_SCRIPTS) for ch in name)


def search_words(given: str | None, family: str | None, *identifiers: str | None) -> set[str]:
    """The words one mention gives a person's search text: its names and identifiers (NHS number, ISO date of birth),
    folded; for a name in a script written without spaces, family name then given name as one word too."""
    values = [value for value in (given, family, *identifiers) if value]
    if given and family and (_unspaced(given) or _unspaced(family)):
        values.append(family.replace(" ", "") + given.replace(" ", ""))
    words = {fold(value) for value in values}
    # romanised as written (before the marks go: Юрій is yuriy): 王 → wang, Ткаченко → tkachenko
    words |= {fold(anyascii(value)) for value in values if not fold(value).isascii()}
    words.discard("")
    return words


def search_text(words: Iterable[str]) -> str:
    """A person's search text: their words, each once, in order, with a space either side of every word (so that
    " 1990-01-02 " matches a whole word and "brien" matches inside one)."""
    return " " + " ".join(sorted(set(words))) + " "
