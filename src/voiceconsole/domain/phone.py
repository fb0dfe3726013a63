"""Phone numbers: parse what people type, store E.164, show the site's national format."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberFormat

from voiceconsole.domain.errors import InvalidInput

# A range is a block of DDIs handed over by a carrier; 100,000 is more than any site holds.
MAX_RANGE_SIZE = 100_000


_WHY = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: (
        "no country: start with + and the country code, or give the site"
    ),
    phonenumbers.NumberParseException.NOT_A_NUMBER: "it is not a number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
    phonenumbers.NumberParseException.TOO_LONG: "too long",
}


def _parse(text: str, country: str | None) -> phonenumbers.PhoneNumber:
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput("an empty phone number was given")
    try:
        return phonenumbers.parse(cleaned, None if cleaned.startswith("+") else country)
    except phonenumbers.NumberParseException as exc:
        where = f" for {country}" if country else ""
        why = _WHY.get(exc.error_type, "unreadable")
        raise InvalidInput(f"{cleaned!r} is not a phone number{where}: {why}") from None


def to_e164(text: str, country: str | None = None, *, same_country: bool = True) -> str:
    """Parse `text` (E.164 or national form for `country`) to a valid E.164 string.

    When `country` is given, the number must belong to that country (numbers can only be used
    at a site of their own country) unless `same_country` is False: a forwarding target may
    be anywhere.
    """
    number = _parse(text, country)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(f"{text.strip()!r} is not a valid phone number ({e164})")
    region = phonenumbers.region_code_for_number(number)
    if country and same_country and region != country:
        raise InvalidInput(
            f"{text.strip()!r} is a {region or 'non-geographic'} number, not a {country} number"
        )
    return e164


@lru_cache(maxsize=65536)
def national(e164: str) -> str:
    """The national form people dial and read, e.g. '020 7946 0123' or '(212) 555-0100'."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164), PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def read_from(e164: str, own: str) -> str:
    """`e164` as a person at the number `own` reads it: national if of the same country,
    else international with its spaces ('+1 212-555-0100'), never the stored form."""
    try:
        number = phonenumbers.parse(e164)
        same = number.country_code == phonenumbers.parse(own).country_code
    except phonenumbers.NumberParseException:
        return e164
    if same:
        return national(e164)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def value_of(e164: str) -> int:
    """The number as an integer; consecutive DDIs differ by one."""
    return int(e164[1:])


@dataclass(frozen=True)
class NumberBlock:
    """A contiguous block of numbers, first to last inclusive, in E.164."""

    first: str
    last: str

    @property
    def size(self) -> int:
        return value_of(self.last) - value_of(self.first) + 1

    def overlaps(self, other: NumberBlock) -> bool:
        return len(self.first) == len(other.first) and not (
            value_of(self.last) < value_of(other.first)
            or value_of(other.last) < value_of(self.first)
        )

    def __str__(self) -> str:
        if self.first == self.last:
            return national(self.first)
        return f"{national(self.first)} - {national(self.last)}"


def parse_block(first: str, last: str | None, country: str) -> NumberBlock:
    """Parse one number or a first-last range of `country`.

    Both ends are validated with phonenumbers and must have the same length; the numbers
    between them are taken as valid, as a carrier block lies within one numbering-plan block.
    Validating every number of a million-number import would take minutes.
    """
    a = to_e164(first, country)
    if not last or not last.strip():
        return NumberBlock(a, a)
    b = to_e164(last, country)
    if len(a) != len(b):
        raise InvalidInput(
            f"range {first.strip()} - {last.strip()}: both ends must have the same length"
        )
    if value_of(b) < value_of(a):
        raise InvalidInput(
            f"range {first.strip()} - {last.strip()}: the last number is below the first"
        )
    block = NumberBlock(a, b)
    if block.size > MAX_RANGE_SIZE:
        raise InvalidInput(
            f"range {first.strip()} - {last.strip()} holds {block.size:,} numbers; "
            f"split it into ranges of at most {MAX_RANGE_SIZE:,}"
        )
    return block


def compact_blocks(e164s: list[str]) -> list[NumberBlock]:
    """Group numbers into contiguous blocks, for showing ranges compactly."""
    blocks: list[NumberBlock] = []
    for e164 in sorted(e164s, key=lambda n: (len(n), n)):
        if (
            blocks
            and len(blocks[-1].last) == len(e164)
            and value_of(e164) == value_of(blocks[-1].last) + 1
        ):
            blocks[-1] = NumberBlock(blocks[-1].first, e164)
        else:
            blocks.append(NumberBlock(e164, e164))
    return blocks


_NOT_DIGITS = "".join(chr(c) for c in range(128) if not chr(c).isdigit())
# "+44 (0)20 ...": the trunk 0 some write in brackets after the country code is not dialled.
_TRUNK_IN_BRACKETS = re.compile(r"\(\s*0\s*\)")


def search_prefixes(text: str, countries: list[str] | tuple[str, ...]) -> list[str]:
    """The E.164 prefixes a partly typed number may stand for, so a search can use the index.

    '+44 20 79' and '+44 (0)20 79' are one prefix; so is '0044 20 79', dialled from a country
    of `countries` whose international prefix is 00 ('011 44 20 79' from the US); '020 79' is
    national in any of `countries` (trunk prefix dropped, country code added); bare digits
    may also be E.164 typed without the '+'. Spaces, dashes, dots and brackets do not count.
    Fewer than two digits is too little to search by.
    """
    text = _TRUNK_IN_BRACKETS.sub("", text.strip())
    digits = text.translate(str.maketrans("", "", _NOT_DIGITS))
    if len(digits) < 2 or any(c.isalpha() for c in text):
        return []
    if text.startswith("+"):
        return ["+" + digits]
    prefixes = {"+" + digits}
    for country in countries:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(country)
        if metadata is None:
            continue
        idd = re.match(metadata.international_prefix or "(?!)", digits)
        if idd:
            if idd.end() < len(digits):
                prefixes.add("+" + digits[idd.end() :])
            continue
        national_digits = digits
        trunk = metadata.national_prefix
        if trunk and national_digits.startswith(trunk):
            national_digits = national_digits[len(trunk) :]
        prefixes.add(f"+{metadata.country_code}{national_digits}")
    # No country code starts with 0: such a prefix finds nothing.
    return sorted(p for p in prefixes if not p.startswith("+0"))
