"""Numbers in words for the telephony screen and its dialogs: ranges, rows, what is chosen.

Everything a user typed (labels, names) comes out as `Text`, so it is shown literally.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from voiceconsole.domain.phone import compact_blocks, national, value_of
from voiceconsole.domain.states import NumberState, Origin
from voiceconsole.services.number_blocks import NumberBlockView
from voiceconsole.services.views import NumberView, OccupierAtSite
from voiceconsole.tui.text import count, plain

# One action is one transaction: more numbers than this are refused before asking the
# database (and stay far below the SQL parameter limits of SQLite and PostgreSQL).
MAX_PER_ACTION = 10_000

STATE_STYLE = {
    "available": "",
    "reserved": "yellow",
    "active": "green",
    "cooldown": "dim",
    "port_out": "magenta",
    "porting_in": "cyan",
}


def range_text(first: str, last: str) -> str:
    """'020 7946 0201–0499': the last number cut to the digits that differ from the first."""
    a, b = national(first), national(last)
    if a == b:
        return a
    same = 0
    while same < min(len(a), len(b)) and a[same] == b[same]:
        same += 1
    while same > 0 and a[same - 1].isdigit():
        same -= 1  # never cut inside a group of digits
    return f"{a}–{b[same:]}"


def block_numbers(block: NumberBlockView) -> list[str]:
    """Every number of a block: they are consecutive, so no database is needed."""
    return [f"+{v}" for v in range(value_of(block.first.e164), value_of(block.last) + 1)]


def numbers_text(numbers: Iterable[str], most: int = 3) -> str:
    """A few numbers or ranges, compactly: '020 7946 0010–0012, 020 7946 0020 and 2 more'."""
    blocks = compact_blocks(list(numbers))
    shown = ", ".join(range_text(b.first, b.last) for b in blocks[:most])
    rest = len(blocks) - most
    return shown + (f" and {rest} more range{'s' if rest > 1 else ''}" if rest > 0 else "")


def features(n: NumberView) -> str:
    """The features set on a number, in a few words: 'fwd busy 020 7946 0003, DND'.

    The one wording of features in the console (telephony and occupier screens alike).
    """
    parts = []
    for value, name in (
        (n.forward_always, "fwd always"),
        (n.forward_busy, "fwd busy"),
        (n.forward_no_answer, "fwd no-answer"),
    ):
        if value:
            parts.append(f"{name} {national(value)}")
    if n.voicemail:
        parts.append("voicemail" + (f" to {n.voicemail_email}" if n.voicemail_email else ""))
    if n.dnd:
        parts.append("DND")
    if n.caller_id_override:
        parts.append(f"caller ID {national(n.caller_id_override)}")
    if n.cooldown_until:
        parts.append(f"cooldown until {n.cooldown_until.isoformat()}")
    return ", ".join(parts)


def main_mark(n: NumberView) -> Text:
    if n.is_main:
        return plain("main", "bold")
    return plain("cand", "dim") if n.main_candidate else plain("")


def cells(block: NumberBlockView, mark: str) -> tuple[Any, ...]:
    n = block.first
    return (
        plain(mark, "bold"),
        plain(range_text(n.e164, block.last), "bold" if n.is_main else ""),
        count(block.size) if block.size > 1 else plain(""),
        plain(n.state, STATE_STYLE.get(n.state, "")),
        main_mark(n),
        plain(n.occupier or ""),
        plain(n.label),
        plain(n.origin),
        plain(features(n)),
    )


def detail(block: NumberBlockView) -> Text:
    """The highlighted row in full, for the line under the table."""
    n = block.first
    if block.size > 1:
        head = f"{national(n.e164)} – {national(block.last)}: {block.size:,} numbers"
    else:
        head = national(n.e164)
    text = Text()
    text.append(head, style="bold")
    parts = [n.state, n.origin, n.occupier or "site pool"]
    if n.is_main:
        parts.append("main number")
    elif n.main_candidate:
        parts.append("main-number candidate")
    text.append("  " + " · ".join(parts))
    if n.label:
        text.append(" · ")
        text.append(f"“{n.label}”")
    if extra := features(n):
        text.append(" · " + extra)
    if n.pin_set:
        text.append(" · PIN set")
    return text


@dataclass(frozen=True)
class Chosen:
    """The numbers an action is about: the marked ones, or those of the highlighted row."""

    numbers: list[str]  # E.164, in numeric order
    holders: frozenset[str]  # occupier codes; empty when all are in the site's pool

    @classmethod
    def of(cls, numbers: dict[str, NumberView]) -> Chosen:
        ordered = sorted(numbers, key=lambda e: (len(e), e))
        return cls(ordered, frozenset(v.occupier for v in numbers.values() if v.occupier))

    def __len__(self) -> int:
        return len(self.numbers)

    def summary(self) -> str:
        """'020 7946 0010–0012 (3 numbers, acme-analytics)'."""
        size = len(self.numbers)
        extra = [f"{size:,} numbers"] if size > 1 else []
        if self.holders:
            extra.append(", ".join(sorted(self.holders)))
        return numbers_text(self.numbers) + (f" ({', '.join(extra)})" if extra else "")


def occupier_options(
    found: Iterable[OccupierAtSite], *, keep: str | None = None
) -> list[tuple[Text, str]]:
    """The options of an occupier Select, 'code  name' each, shown literally.

    `keep`: an occupier code offered even though it is not (or no longer) among `found`
    (a filter that was set before it left); its name is not known, so its code alone.
    """
    options = [(plain(f"{o.code}  {o.name}"), o.code) for o in found]
    if keep and keep not in {code for _, code in options}:
        options.append((plain(keep), keep))
    return options


class Marks:
    """The marked numbers: E.164 -> the first number of the row it was marked in.

    What is shown of them (the sorted values, the few words) is worked out once per change,
    not on every cursor move; counting the marks inside a row never lists the row's numbers.
    """

    def __init__(self) -> None:
        self._numbers: dict[str, NumberView] = {}
        self._values: list[int] | None = None  # sorted, while unchanged
        self._summary: str | None = None

    def __len__(self) -> int:
        return len(self._numbers)

    def __contains__(self, e164: object) -> bool:
        return e164 in self._numbers

    def _changed(self) -> None:
        self._values = None
        self._summary = None

    def add(self, numbers: Iterable[str], row: NumberView) -> None:
        self._numbers.update(dict.fromkeys(numbers, row))
        self._changed()

    def remove(self, numbers: Iterable[str]) -> None:
        for e164 in numbers:
            self._numbers.pop(e164, None)
        self._changed()

    def clear(self) -> None:
        self._numbers = {}
        self._changed()

    def inside(self, block: NumberBlockView) -> int:
        """How many numbers of `block` are marked (two binary searches)."""
        if not self._numbers:
            return 0
        if block.size == 1:
            return int(block.first.e164 in self._numbers)
        if self._values is None:
            self._values = sorted(value_of(e) for e in self._numbers)
        values = self._values
        return bisect_right(values, value_of(block.last)) - bisect_left(
            values, value_of(block.first.e164)
        )

    def summary(self) -> str:
        """The marked numbers in a few words: '020 7946 0010–0012, 020 7946 0020'."""
        if self._summary is None:
            self._summary = numbers_text(self._numbers, most=2)
        return self._summary

    def chosen(self) -> Chosen:
        return Chosen.of(self._numbers)

    def kinds(self) -> set[tuple[NumberState, Origin]]:
        """The (state, origin) of the marked numbers, for the actions they allow."""
        return {(NumberState(v.state), Origin(v.origin)) for v in self._numbers.values()}
