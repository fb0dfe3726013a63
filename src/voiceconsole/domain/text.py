"""Checks for text people type: names, codes, labels, e-mail addresses."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from enum import Enum
from typing import TypeVar

from voiceconsole.domain.errors import InvalidInput

E = TypeVar("E", bound=Enum)

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def clean_text(value: str, what: str, *, max_len: int = 200, required: bool = True) -> str:
    """Trimmed single-line text without control characters (names reach terminals and configs)."""
    text = value.strip()
    if required and not text:
        raise InvalidInput(f"the {what} must not be empty")
    if len(text) > max_len:
        raise InvalidInput(f"the {what} is longer than {max_len} characters")
    if any(is_control(ch) for ch in text):
        raise InvalidInput(f"the {what} must be one line without control characters")
    return text


def clean_code(value: str, what: str, *, max_len: int = 32, upper: bool = False) -> str:
    code = value.strip()
    if not code or len(code) > max_len or not _CODE.match(code) or code.isdigit():
        raise InvalidInput(
            f"the {what} {value!r} must be 1 to {max_len} letters, digits, '-' or '_', "
            "not all digits"
        )
    return code.upper() if upper else code.lower()


def slugify(name: str, max_len: int = 64) -> str:
    """A code from a name: 'Acme Widgets Ltd.' -> 'acme-widgets-ltd'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:max_len].strip("-")
    if not slug or slug.isdigit():
        raise InvalidInput(f"cannot make a code from the name {name!r}; give one")
    return slug


def clean_email(value: str) -> str:
    email = clean_text(value, "e-mail address", max_len=254)
    if not _EMAIL.match(email):
        raise InvalidInput(f"{email!r} is not an e-mail address")
    return email


def parse_choice(cls: type[E], value: str, what: str) -> E:
    """One of an enumeration's values, or a message listing them."""
    try:
        return cls(value)
    except ValueError:
        choices = ", ".join(str(m.value) for m in cls)
        raise InvalidInput(f"unknown {what} {value!r}; one of {choices}") from None


def parse_date(text: str) -> dt.date:
    """An ISO date such as 2026-12-01."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date like 2026-12-01") from None


def parse_day(text: str) -> dt.date | int:
    """A date, or 'today', 'tomorrow' or '+N' as a number of days from today; the service
    counts those in the site's own calendar, not this machine's."""
    word = text.strip().lower()
    relative = {"today": 0, "tomorrow": 1}
    if word in relative:
        return relative[word]
    if word.startswith("+") and word[1:].isdecimal() and word[1:].isascii():
        return int(word[1:])
    return parse_date(text)


_CONTROL = ("Cc", "Cf", "Zl", "Zp")  # controls, format (bidi overrides), line/para breaks


def is_control(ch: str) -> bool:
    return unicodedata.category(ch) in _CONTROL


def device_text(value: object, max_len: int = 200) -> str:
    """Text a device sent (an LLDP name, a port description, a switch's refusal, a SIP
    reason), made one line that cannot steer a terminal: runs of whitespace (newlines and
    tabs too) become one space, and every other control character is shown, not obeyed
    (`visible`), so an operator sees that the device sent something odd."""
    return visible(" ".join(str(value).split()))[:max_len]


def visible(value: str) -> str:
    """Text from a file or a person, with every control character shown instead of obeyed:
    C0 as its control picture (ESC as ␛, a newline as ␊), DEL as ␡, C1 and format characters
    (bidi overrides) as <U+202E>. Nothing it carries can steer a terminal, and a user sees
    what is wrong with the cell."""
    out = []
    for ch in value:
        code = ord(ch)
        if code < 0x20:
            out.append(chr(0x2400 + code))
        elif code == 0x7F:
            out.append("\u2421")
        elif is_control(ch):
            out.append(f"<U+{code:04X}>")
        else:
            out.append(ch)
    return "".join(out)
