"""The one clock every layer asks for "now".

Tests and snapshot runs freeze it so that audit times, cooldown dates and "today at the site"
come out the same on every run; the product never freezes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

_fixed: dt.datetime | None = None


def utcnow() -> dt.datetime:
    return _fixed if _fixed is not None else dt.datetime.now(dt.UTC)


@contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    """Within the block, `utcnow()` is `at` (a timezone-aware time)."""
    global _fixed
    if at.tzinfo is None:
        raise ValueError("freeze the clock at a timezone-aware time")
    previous, _fixed = _fixed, at.astimezone(dt.UTC)
    try:
        yield
    finally:
        _fixed = previous
