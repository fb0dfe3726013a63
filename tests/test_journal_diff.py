"""A journal entry's before/after read as a diff (domain/journal_diff.py)."""

from __future__ import annotations

from voiceconsole.domain.journal_diff import describe


def lines(before: object, after: object, occupiers: dict[int, str] | None = None) -> list[str]:
    return ["  " * line.depth + line.text for line in describe(before, after, occupiers)]


def test_a_record_says_only_what_changed_in_national_format() -> None:
    before = {"label": "", "forward_no_answer": None, "voicemail": False, "pin": "x"}
    after = {"label": "Sales", "forward_no_answer": "+442079460002", "voicemail": True, "pin": "x"}
    assert lines(before, after) == [
        'label: "" → Sales',
        "forward no answer: none → 020 7946 0002",
        "voicemail: no → yes",
    ]


def test_numbers_that_changed_alike_are_said_once_with_occupiers_by_code() -> None:
    def number(e164: str, state: str, holder: int | None, main: bool = False) -> dict:
        return {"e164": e164, "state": state, "occupier_id": holder, "is_main": main}

    before = [number(f"+4420794600{n}", "reserved", 7, main=n == 53) for n in range(53, 61)]
    after = [number(f"+4420794600{n}", "cooldown", None) for n in range(53, 61)]
    assert lines(before, after, {7: "greyhound-logistics"}) == [
        "number: 020 7946 0053",
        "  state: reserved → cooldown",
        "  occupier: greyhound-logistics → none",
        "  is main: yes → no",
        "7 numbers: 020 7946 0054, 020 7946 0055, 020 7946 0056, 020 7946 0057, "
        "020 7946 0058, 020 7946 0059 and 1 more",
        "  state: reserved → cooldown",
        "  occupier: greyhound-logistics → none",
    ]


def test_unchanged_records_and_internal_ids_are_left_out() -> None:
    same = {"e164": "+442079460001", "state": "active"}
    assert lines([same], [same]) == []
    assert lines({"id": 3, "quantity": 8}, {"id": 3, "quantity": 6}) == ["quantity: 8 → 6"]
    assert lines({"occupier_id": 99}, {"occupier_id": None}) == [
        "occupier: an occupier no longer on record → none"
    ]


def test_a_new_record_and_two_different_records() -> None:
    assert lines(None, {"sites": ["LON1", "MAN1"], "total": 5}) == [
        "sites: LON1, MAN1",
        "total: 5",
    ]
    assert lines({"voice_quantity": 0}, {"product": "desk-line", "quantity": 3}) == [
        "before:",
        "  voice quantity: 0",
        "after:",
        "  product: desk-line",
        "  quantity: 3",
    ]


def test_records_added_and_removed_by_identity() -> None:
    before = [{"label": "3F-001", "role": "voice"}]
    after = [{"label": "3F-002", "role": "data"}]
    assert lines(before, after) == [
        "floor port: 3F-002",
        "  added",
        "  role: data",
        "floor port: 3F-001",
        "  removed",
    ]
