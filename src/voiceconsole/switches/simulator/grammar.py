"""The IOS command grammar as the simulator parses it.

A line is matched against patterns of keywords (any unambiguous prefix, as IOS abbreviations)
and placeholders. The failure that got furthest decides where the '^' marker points, as on IOS.
Before that, the words are checked against the vocabulary IOS has at that point (`keywords.py`),
so an abbreviation that names several commands, even commands the simulator does not
implement, is `% Ambiguous command`, as on a real switch.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

INT = "<vlan-id>"
WORD = "<word>"
REST = "<text>"
VLIST = "<vlan-list>"
IFNAME = "<interface>"
NUMBER = "<number>"
AT = "<rest-with-column>"  # the rest of the line and where it starts (for interface ranges)

# Resolves what was typed as an interface name to one of the switch's long names, or None.
Names = Callable[[str], "str | None"]
# keyword -> what may follow it (None: not checked further)
Vocabulary = Mapping[str, "Vocabulary | None"]
Table = list[tuple[tuple, Callable[..., Any]]]


@dataclass
class Rejection(Exception):
    """A config or exec line IOS would not accept."""

    column: int | None = None  # where the '^' goes; None for "% Incomplete command."
    message: str | None = None  # overrides the standard text (fail_next seam, IOS messages)

    def render(self, line: str, offset: int = 0) -> str:
        if self.message is not None:
            return self.message
        if self.column is None:
            return "% Incomplete command."
        return " " * (offset + self.column) + "^\n% Invalid input detected at '^' marker."


def ambiguous(line: str) -> Rejection:
    return Rejection(message=f'% Ambiguous command:  "{line.strip()}"')


@dataclass(frozen=True)
class At:
    """The rest of a line and the column it starts at (for parsers that point into it)."""

    text: str
    column: int


def tokenize(line: str) -> list[tuple[str, int]]:
    return [(m.group(0), m.start()) for m in re.finditer(r"\S+", line)]


def keyword_matches(token: str, keyword: str) -> bool:
    token = token.lower()
    return bool(token) and keyword.startswith(token)


def check_vocabulary(line: str, vocabulary: Vocabulary | None) -> bool:
    """Raise `% Ambiguous command` for a word that abbreviates several keywords IOS has there.

    Returns whether the first word is a keyword of `vocabulary` at all (a sub-mode falls back
    to global commands when it is not)."""
    level = vocabulary
    for index, (text, _) in enumerate(tokenize(line)):
        if level is None:
            return True
        word = text.lower()
        if word in level:
            level = level[word]
            continue
        found = [keyword for keyword in level if keyword.startswith(word)]
        if len(found) > 1:
            raise ambiguous(line)
        if not found:
            return index > 0
        level = level[found[0]]
    return True


def parse_vlan_list(text: str) -> list[int] | None:
    """'10,20-22' -> [10, 20, 21, 22]; None when malformed or out of 1-4094."""
    vlans: set[int] = set()
    for part in text.split(","):
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            return None
        low, high = int(m.group(1)), int(m.group(2) or m.group(1))
        if not 1 <= low <= high <= 4094:
            return None
        vlans.update(range(low, high + 1))
    return sorted(vlans)


def format_vlan_list(vlans: list[int]) -> str:
    """[10, 20, 21, 22] -> '10,20-22' as IOS prints it."""
    parts: list[str] = []
    run: list[int] = []
    for vlan in sorted(vlans):
        if run and vlan == run[-1] + 1:
            run.append(vlan)
            continue
        if run:
            parts.append(_run_text(run))
        run = [vlan]
    if run:
        parts.append(_run_text(run))
    return ",".join(parts)


def _run_text(run: list[int]) -> str:
    if len(run) == 1:
        return str(run[0])
    if len(run) == 2:
        return f"{run[0]},{run[1]}"
    return f"{run[0]}-{run[-1]}"


@dataclass
class _Partial(Exception):
    progress: int
    rejection: Rejection


def _interface(tokens: list[tuple[str, int]], i: int, names: Names) -> tuple[str | None, int]:
    """The interface named at token i (`Gi1/0/5`, or `gi 1/0/5` over two tokens)."""
    text = tokens[i][0]
    found = names(text)
    if found is not None:
        return found, 1
    if re.fullmatch(r"[A-Za-z][A-Za-z-]*", text) and i + 1 < len(tokens):
        joined = names(text + tokens[i + 1][0])
        if joined is not None:
            return joined, 2
    return None, 0


def match(
    line: str, tokens: list[tuple[str, int]], pattern: tuple, names: Names | None = None
) -> tuple[list, int]:
    """Captures of `pattern` in `tokens`, or raise _Partial; second value: tokens matched."""
    caps: list = []
    i = 0
    for element in pattern:
        if i >= len(tokens):
            raise _Partial(i, Rejection(None))
        text, col = tokens[i]
        if element in (REST, AT):
            rest = line[col:].rstrip()
            caps.append(rest if element == REST else At(rest, col))
            i = len(tokens)
            continue
        if element == IFNAME:
            name, used = _interface(tokens, i, names) if names else (None, 0)
            if name is None:
                raise _Partial(i, Rejection(col))
            caps.append(name)
            i += used
            continue
        if element in (INT, NUMBER):
            if not text.isdigit() or (element == INT and not 1 <= int(text) <= 4094):
                raise _Partial(i, Rejection(col))
            caps.append(int(text))
        elif element == VLIST:
            vlans = parse_vlan_list(text)
            if vlans is None:
                raise _Partial(i, Rejection(col))
            caps.append(vlans)
        elif element == WORD:
            caps.append(text)
        elif isinstance(element, tuple):
            found = next((k for k in element if keyword_matches(text, k)), None)
            if found is None:
                raise _Partial(i, Rejection(col))
            caps.append(found)
        elif not keyword_matches(text, element):
            raise _Partial(i, Rejection(col))
        i += 1
    if i < len(tokens):
        raise _Partial(i, Rejection(tokens[i][1]))
    return caps, i


def dispatch(line: str, table: Table, names: Names | None = None) -> Any:
    """Run the handler of the first pattern that matches `line`; raise the furthest failure."""
    tokens = tokenize(line)
    best: _Partial | None = None
    for pattern, handler in table:
        try:
            caps, _ = match(line, tokens, pattern, names)
        except _Partial as failure:
            if best is None or failure.progress > best.progress:
                best = failure
            continue
        return handler(*caps)
    raise (best.rejection if best else Rejection(0))


def furthest(a: Rejection, b: Rejection) -> Rejection:
    """Of two failures of one line, the one IOS reports: a message, else the later column."""
    if a.message is not None:
        return a
    if b.message is not None:
        return b

    def reach(r: Rejection) -> int:
        return 10**6 if r.column is None else r.column  # incomplete: every word was understood

    return a if reach(a) >= reach(b) else b
