"""The first-time automation of domain.md as pure functions: batch arithmetic and number picking.

The transactional part (locking, writing) lives in `services.voice_services`; it loads only a
slice of the pool that provably gives the same answer as `pick_numbers` on the whole pool.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from voiceconsole.domain.phone import national, value_of

# Countries whose carriers hand out numbers in batches (domain.md: UK batches of 5).
BATCH_SIZES: dict[str, int] = {"GB": 5}

MAX_QUANTITY = 10_000


@dataclass(frozen=True)
class BatchShape:
    """How many numbers a first-time service gets and what becomes of them."""

    country: str
    quantity: int
    main: int  # 1 if a main number is created with the batch, else 0
    batch_size: int

    @property
    def spare(self) -> int:
        return self.batch_size - self.quantity - self.main

    def describe(self) -> str:
        """The arithmetic in words, as the add-services preview shows it."""
        step = BATCH_SIZES.get(self.country)
        if step is None:
            # No batch and no automatic main number outside the UK (domain.md): nothing to
            # promise about a main number either.
            return f"exactly {self.quantity} (no batches in {self.country})"
        # A first-time UK service without a main number in its batch is at a site whose main
        # numbers are chosen by hand (the occupier has no numbers there yet).
        later = "" if self.main else "; a main number is still to be nominated"
        wanted = self.quantity + self.main
        text = f"QTY {self.quantity} + main number 1 = {wanted}" if self.main else f"QTY {wanted}"
        if wanted == self.batch_size:
            return f"{text}, a whole batch of {self.batch_size}{later}"
        return f"{text}, rounded up to a batch of {self.batch_size}{later}"


def batch_shape(country: str, quantity: int, with_main: bool) -> BatchShape:
    """domain.md: UK allocates ceil((QTY + main) / 5) * 5; elsewhere exactly QTY, no main."""
    step = BATCH_SIZES.get(country)
    if step is None:
        return BatchShape(country, quantity, 0, quantity)
    main = 1 if with_main else 0
    return BatchShape(country, quantity, main, math.ceil((quantity + main) / step) * step)


def automation_skip_reason(
    voice_quantity: int, allocated_numbers: int, porting_in: int = 0
) -> str | None:
    """Why the first-time automation must not run, or None when it runs.

    `voice_quantity` is the occupier's current voice entitlement at the site,
    `allocated_numbers` how many numbers it holds there (reserved or active) and `porting_in`
    how many an open port-in order is bringing: those are its special numbers too.
    """
    if voice_quantity > 0:
        return (
            "upgrade: the occupier already has voice services at this site "
            f"(QTY {voice_quantity}); "
            "numbers are not allocated automatically"
        )
    if allocated_numbers > 0:
        plural = "number is" if allocated_numbers == 1 else "numbers are"
        return (
            f"special numbers: {allocated_numbers} {plural} already allocated to the occupier at "
            "this site; those are used instead"
        )
    if porting_in > 0:
        plural = "number is" if porting_in == 1 else "numbers are"
        return (
            f"special numbers: {porting_in} {plural} being ported in for the occupier at this "
            "site; those are used instead"
        )
    return None


@dataclass(frozen=True)
class PoolNumber:
    e164: str
    main_candidate: bool = False


@dataclass(frozen=True)
class Pick:
    """The numbers picked for a batch: the main number (if any) and the rest in order."""

    main: str | None
    others: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return ((self.main,) if self.main else ()) + self.others

    def split(self, quantity: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(activated, spare): the lowest `quantity` of the others are activated."""
        return self.others[:quantity], self.others[quantity:]


def lowest_run(values: Sequence[int], size: int) -> int | None:
    """Index in sorted `values` where the lowest run of `size` consecutive values starts."""
    if size <= 0:
        return 0
    start = 0
    for i, value in enumerate(values):
        if i and value != values[i - 1] + 1:
            start = i
        if i - start + 1 >= size:
            return i - size + 1
    return None


def ddi_count(shape: BatchShape, has_candidate: bool) -> int:
    """How many numbers come from the ordinary stock: all but a main taken from the candidates."""
    return shape.batch_size - (1 if shape.main and has_candidate else 0)


def pick_numbers(pool: Sequence[PoolNumber], shape: BatchShape) -> Pick | None:
    """Pick a batch from a site's available pool numbers, or None if the pool is short.

    The rules, in order:
    - The main number is the lowest main-number candidate, if any is available.
    - The other numbers (DDIs) are the lowest run of consecutive non-candidate numbers (DDI
      blocks port and route as ranges); without such a run, the lowest non-candidates.
    - Candidates are kept for main numbers: they fill a batch only when nothing else is left.
    - Without a candidate, the main number is the first number of the run.
    """
    if len(pool) < shape.batch_size:
        return None
    ordered = sorted(pool, key=lambda n: value_of(n.e164))
    candidates = [n.e164 for n in ordered if n.main_candidate]
    others = [n.e164 for n in ordered if not n.main_candidate]
    main = candidates.pop(0) if shape.main and candidates else None
    need = ddi_count(shape, main is not None)
    start = lowest_run([value_of(e) for e in others], need)
    chosen = others[start : start + need] if start is not None else others[:need]
    chosen += candidates[: need - len(chosen)]
    if shape.main and main is None:
        main, chosen = chosen[0], chosen[1:]
    return Pick(main, tuple(sorted(chosen, key=value_of)))


def describe_batch(main: str | None, activated: Sequence[str], spare: Sequence[str]) -> list[str]:
    """One line per number, national format, saying what becomes of it."""
    lines = [f"{national(main)}  main number (active)"] if main else []
    lines += [f"{national(e)}  activated" for e in activated]
    lines += [f"{national(e)}  spare (reserved)" for e in spare]
    return lines
