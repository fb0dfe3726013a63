"""Cells of a file people open in a spreadsheet: text that came from people or devices must
stay text there.

A spreadsheet reads a cell starting with `=`, `+`, `-` or `@` (and, in some, a tab or a
carriage return) as a formula: a label typed as `=HYPERLINK(...)` or `=cmd|...` would run on
the machine of whoever opens the export. OWASP's advice ("CSV Injection") is to start such a
cell with a single quote, which every spreadsheet shows as text and does not display, and
to quote every cell. Only text from outside is guarded: the numbers we format ourselves
(E.164 starts with `+`) stay as they are, so they still import.
"""

from __future__ import annotations

import re

from voiceconsole.domain.text import visible

# ASCII triggers, and their full-width forms (some spreadsheets fold those to ASCII first).
_FORMULA_START = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
# A plain signed number (a basement floor "-1") is read as that number and runs nothing.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def formula_safe(text: str) -> str:
    """`text` as a cell a spreadsheet keeps as text: a quote before a formula trigger, also
    after leading spaces (some spreadsheets skip them before reading a formula); a plain
    signed number is left as it is."""
    stripped = text.lstrip(" ")
    if stripped and stripped[0] in _FORMULA_START and not _PLAIN_NUMBER.fullmatch(stripped):
        return "'" + text
    return text


def outside_cell(value: object) -> str:
    """A cell of text from people or devices: its control characters shown, not obeyed (an
    export printed on a terminal cannot steer it, and one line stays one record), then
    guarded against formulas."""
    return formula_safe(visible(str(value)))
