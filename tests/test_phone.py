"""Phone numbers: parsing what people type, E.164 storage, national display, ranges."""

from __future__ import annotations

import pytest

from voiceconsole.domain.errors import InvalidInput
from voiceconsole.domain.phone import NumberBlock, compact_blocks, national, parse_block, to_e164


@pytest.mark.parametrize(
    ("typed", "country", "e164"),
    [
        ("020 7946 0123", "GB", "+442079460123"),
        ("+44 20 7946 0123", "GB", "+442079460123"),
        ("(020) 7946-0123", "GB", "+442079460123"),
        ("0161 496 0000", "GB", "+441614960000"),
        ("(212) 555-0100", "US", "+12125550100"),
        ("+1 212 555 0100", None, "+12125550100"),
    ],
)
def test_to_e164(typed: str, country: str | None, e164: str) -> None:
    assert to_e164(typed, country) == e164


@pytest.mark.parametrize(
    ("typed", "country", "message"),
    [
        ("", "GB", "empty"),
        ("hello", "GB", "not a phone number"),
        ("020 7946 012", "GB", "not a valid phone number"),
        ("+1 212 555 0100", "GB", "a US number, not a GB number"),
    ],
)
def test_bad_numbers_are_refused_with_a_reason(typed: str, country: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        to_e164(typed, country)


def test_national_format() -> None:
    assert national("+442079460123") == "020 7946 0123"
    assert national("+12125550100") == "(212) 555-0100"


def test_blocks() -> None:
    block = parse_block("020 7946 0000", "020 7946 0099", "GB")
    assert block.size == 100
    assert block.overlaps(parse_block("020 7946 0099", "", "GB"))
    assert not block.overlaps(parse_block("020 7946 0100", "", "GB"))
    with pytest.raises(InvalidInput, match="below the first"):
        parse_block("020 7946 0099", "020 7946 0000", "GB")
    with pytest.raises(InvalidInput, match="at most 100,000"):
        parse_block("020 7000 0000", "020 7999 9999", "GB")


def test_compact_blocks() -> None:
    numbers = ["+442079460003", "+442079460001", "+442079460002", "+442079460009"]
    assert compact_blocks(numbers) == [
        NumberBlock("+442079460001", "+442079460003"),
        NumberBlock("+442079460009", "+442079460009"),
    ]
    assert str(compact_blocks(numbers)[0]) == "020 7946 0001 - 020 7946 0003"
