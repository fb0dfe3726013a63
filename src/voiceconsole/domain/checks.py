"""The result of `db check`: checks, each passed or with its violations, named in words and
by the rows involved."""

from __future__ import annotations

from dataclasses import dataclass, field

# Violations listed per check; a damaged large database could otherwise print a million.
LIMIT = 1000


@dataclass(frozen=True)
class Violation:
    """One broken rule, in words, with the ids of the rows involved by table."""

    text: str
    rows: dict[str, list[int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "rows": self.rows}


@dataclass(frozen=True)
class CheckResult:
    name: str
    description: str
    violations: list[Violation]
    more: bool = False  # more than LIMIT violations: only the first LIMIT are listed
    note: str = ""  # what was not checked here, and why

    @property
    def ok(self) -> bool:
        return not self.violations

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "description": self.description,
            "ok": self.ok,
            "note": self.note,
            "more": self.more,
            "violations": [v.to_dict() for v in self.violations],
        }


@dataclass(frozen=True)
class EstateCheck:
    backend: str
    checks: list[CheckResult]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def problems(self) -> int:
        return sum(len(c.violations) for c in self.checks)

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "backend": self.backend,
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass(frozen=True)
class Found:
    violations: list[Violation]
    note: str = ""
