"""Errors a user can cause. Their message is shown as is, on one line, so it must say why."""


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
    """The site pool has fewer available numbers than the action needs."""

    def __init__(self, site: str, available: int, needed: int) -> None:
        self.available = available
        self.needed = needed
        super().__init__(
            f"the {site} number pool is short: {needed} numbers needed, {available} available; "
            "nothing was changed"
        )


class NotPermitted(VoiceconsoleError):
    """The person's role (or their sites) does not allow the action: nothing of it was done,
    and the refusal itself is journalled (`services/permissions.py`)."""
