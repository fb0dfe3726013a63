"""Words people read: a count with its noun, singular or plural as the count wants.

Every layer (services' journal summaries, the command line, the console) says counts this
way, so no text shows `1 handset(s)`.
"""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """'1 handset', '2 handsets', '1,200 numbers'; `plural` for nouns that do not just take
    an s: counted(2, "switch", "switches") -> '2 switches'."""
    return f"{n:,} {noun_for(n, noun, plural)}"


def noun_for(n: int, noun: str, plural: str | None = None) -> str:
    """The noun alone, as `counted` would say it after `n`: for '1 of 4 line keys free'."""
    return noun if n == 1 else plural or f"{noun}s"
