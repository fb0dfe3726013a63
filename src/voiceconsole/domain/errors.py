"""Errors a user can cause. Their message is shown as is, on one line, so it must say why."""

from voiceconsole.domain.words import counted


class VoiceconsoleError(Exception):
    """Base of every refusal the user should see as a readable message."""


class InvalidInput(VoiceconsoleError):
    """Malformed input: a number that is not a number, a quantity below one, a bad date."""


class NotFound(VoiceconsoleError):
    """An unknown site, occupier, product or number."""


class RuleViolation(VoiceconsoleError):
    """Well-formed input that a domain rule refuses (a state move, an entitlement)."""


class Conflict(VoiceconsoleError):
    """Input that clashes with existing data (an overlapping range, a duplicate code)."""


class PoolShort(RuleViolation):
    """The site pool has fewer free numbers than the action needs.

    `available`: free now. `in_flight`: available too, but held at this moment by colleagues'
    allocations not yet committed (PostgreSQL; SQLite runs one writer at a time, so none):
    they may still roll back and be free again.
    """

    def __init__(self, site: str, available: int, needed: int, in_flight: int = 0) -> None:
        self.available = available
        self.needed = needed
        self.in_flight = in_flight
        hint = "; try again in a moment, it may succeed if theirs do not"
        hint = hint if self.may_succeed_later else ""
        super().__init__(
            f"the {site} number pool is short: {self.figures}{hint}; nothing was changed"
        )

    @property
    def figures(self) -> str:
        """'5 numbers needed, 2 available', or which of them colleagues are allocating."""
        needed = f"{counted(self.needed, 'number')} needed"
        if not self.in_flight:
            return f"{needed}, {self.available:,} available"
        return (
            f"{needed}, {self.available:,} free now and {self.in_flight:,} being allocated by "
            "colleagues right now"
        )

    @property
    def may_succeed_later(self) -> bool:
        """Enough are in flight that, if colleagues' allocations roll back, a retry succeeds."""
        return self.in_flight > 0 and self.available + self.in_flight >= self.needed


class NotPermitted(VoiceconsoleError):
    """The person's role (or their sites) does not allow the action: nothing of it was done,
    and the refusal itself is journalled (`services/permissions.py`)."""
