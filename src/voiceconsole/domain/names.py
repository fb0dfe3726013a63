"""Names of people who act (the journal's actor, a user's login): one spelling for one name.

A name is normalised with NFKC (a full-width `ｒｏｏｔ` is `root`), and a name that can pass
for another is refused: letters of two scripts in one name (a Latin `root` with a Cyrillic
`о`), or a name all of whose letters are look-alikes of Latin ones (Cyrillic `сор`). A
name in one script (`José`, `Дмитрий`, `山田`) stays as it is.
"""

from __future__ import annotations

import unicodedata

from voiceconsole.domain.errors import InvalidInput

MAX_LEN = 64

# Cyrillic and Greek letters drawn like Latin ones (Unicode's confusables, the common part).
_LOOKS_LATIN = set(
    "аеорсухіјѕԁһӏԛԝүвкмнтАВЕКМНОРСТХІЈЅҮԚԜ"  # Cyrillic
    "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧαικνορτυχ"  # Greek
)
# Scripts written together in one name: Japanese mixes kanji with kana, Korean hangul with
# hanja.
_TOGETHER = ({"Han", "Hiragana", "Katakana"}, {"Hangul", "Han"})


def _script(ch: str) -> str:
    first = unicodedata.name(ch, "UNKNOWN").split()[0]
    return {"CJK": "Han"}.get(first, first.title())


def person_name(value: str, what: str = "actor") -> str:
    """The name normalised, or one clear refusal."""
    name = unicodedata.normalize("NFKC", value).strip()
    if not name or len(name) > MAX_LEN or not name.isprintable():
        raise InvalidInput(f"the {what} must be a printable name of 1 to {MAX_LEN} characters")
    letters = [ch for ch in name if ch.isalpha()]
    scripts = {_script(ch) for ch in letters}
    if len(scripts) > 1 and not any(scripts <= together for together in _TOGETHER):
        raise InvalidInput(
            f"the {what} {name!a} mixes letters of {' and '.join(sorted(scripts))}: "
            "a name that can pass for another is refused; write it in one script"
        )
    if scripts and scripts != {"Latin"} and all(ch in _LOOKS_LATIN for ch in letters):
        raise InvalidInput(
            f"the {what} {name!a} is written with {scripts.pop()} letters that look "
            "Latin: it can pass for another name; write it in Latin letters"
        )
    return name
