"""The journal's actor: one spelling for one name, and no name that passes for another."""

from __future__ import annotations

import pytest

from voiceconsole.domain.errors import InvalidInput
from voiceconsole.services.transaction import check_actor


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("qa", "qa"),
        ("cli-tester", "cli-tester"),
        ("noc-1", "noc-1"),
        ("  alice ", "alice"),
        ("Jane Doe", "Jane Doe"),
        ("jane.doe@example.org", "jane.doe@example.org"),
        ("ｒｏｏｔ", "root"),  # full-width letters: the same name
        ("José", "José"),
        ("Дмитрий", "Дмитрий"),  # one script, not all look-alikes
        ("山田たろう", "山田たろう"),  # kanji with kana
        ("ﬁona", "fiona"),  # the fi ligature
    ],
)
def test_names_are_normalised(typed: str, kept: str) -> None:
    assert check_actor(typed) == kept


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("r\u043e\u043et", "mixes letters of Cyrillic and Latin"),  # Cyrillic о in root
        ("\u0430dmin", "mixes letters of Cyrillic and Latin"),  # Cyrillic а
        ("p\u03bfstgres", "mixes letters of Greek and Latin"),  # Greek ο
        ("\u0441\u043e\u0440", "look Latin"),  # Cyrillic "сор" reads "cop"
        ("\u0391\u039d\u039d\u0391", "look Latin"),  # Greek capitals: ANNA
        ("", "printable name of 1 to 64"),
        ("   ", "printable name of 1 to 64"),
        ("a" * 65, "printable name of 1 to 64"),
        ("ro\u200dot", "printable name"),  # zero-width joiner
        ("root\nadmin", "printable name"),
    ],
)
def test_names_that_can_pass_for_another_are_refused(typed: str, said: str) -> None:
    with pytest.raises(InvalidInput, match=said):
        check_actor(typed)


def test_the_refusal_shows_the_hidden_letters() -> None:
    with pytest.raises(InvalidInput) as err:
        check_actor("r\u043e\u043et")
    assert "\\u043e" in str(err.value)
