"""Money arithmetic: Decimal only, rounded half-up to the cent.

Why a module of its own: every amount that reaches an accountant passes through
these few functions, so the rounding rule (accounting-fr.md §4) lives in one place.
Floats are refused outright; a float amount is a bug upstream, not a value to round.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


AMOUNT_INTEGER_DIGITS = 18  # NUMERIC(24, 6), Sage's amount columns: 18 digits before the point...
AMOUNT_DECIMALS = 6  # ... and 6 after
AMOUNT_LIMIT = Decimal(10) ** AMOUNT_INTEGER_DIGITS


class AmountError(ValueError):
    """A value could not be read as an amount of money."""


def decimal_places(value: Decimal) -> int:
    """Significant decimal places of a finite ``value`` (100.500 -> 1), without any rounding context."""
    _sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0 or not any(digits):
        return 0
    places = -exponent
    for digit in reversed(digits):  # trailing zeros are not decimal places: 100.500 has 1
        if places == 0 or digit != 0:
            break
        places -= 1
    return places


def amount_problem(value: Decimal, decimals: int = AMOUNT_DECIMALS) -> str:
    """Why Sage cannot hold ``value`` (not finite, 18+ integer digits, too many decimals), or ''."""
    if not value.is_finite():
        return "not a finite amount"
    if abs(value) >= AMOUNT_LIMIT:
        return f"more than the {AMOUNT_INTEGER_DIGITS} digits before the decimal point a Sage amount holds"
    if decimal_places(value) > decimals:
        return f"more than the {decimals} decimal places {'an amount in euros' if decimals == 2 else 'Sage'} holds"
    return ""


def to_cents(value: Decimal) -> Decimal:
    """Round to the cent, half up (0,005 -> 0,01), as French invoices do."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(value: object) -> Decimal:
    """Read an amount from a wire value: a decimal string, an int or a Decimal.

    A float is refused: JSON must be parsed with ``parse_float=Decimal`` so the
    digits the platform sent are the digits we post.
    """
    if isinstance(value, bool) or value is None:
        raise AmountError(f"expected an amount, got {value!r}")
    if isinstance(value, float):
        raise AmountError(f"amount {value!r} arrived as a binary float; parse JSON with Decimal")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            result = Decimal(text)
        except InvalidOperation as error:
            raise AmountError(f"{value!r} is not a number") from error
    else:
        raise AmountError(f"expected an amount, got {type(value).__name__}")
    if not result.is_finite():
        raise AmountError(f"{value!r} is not a finite amount")
    return result


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` (a cent amount) in proportion to ``weights``, exactly.

    Largest-remainder method (accounting-fr.md §4.5): each part is first rounded
    down to the cent, then the cents still missing go one by one to the parts
    with the largest remainders (ties: the earliest part). The parts always sum
    to ``total``; no cent is created or lost.
    """
    if not weights:
        raise ValueError("cannot allocate over no weights")
    if any(weight < 0 for weight in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        raise ValueError("weights sum to zero")
    sign = -1 if total < 0 else 1
    total_cents = int((abs(total) / CENT).to_integral_value())
    if Decimal(total_cents) * CENT != abs(total):
        raise ValueError(f"total {total} is not a whole number of cents")
    exact = [Decimal(total_cents) * weight / weight_sum for weight in weights]
    floors = [int(part) for part in exact]  # int() truncates toward zero; parts are >= 0
    missing = total_cents - sum(floors)
    order = sorted(range(len(exact)), key=lambda index: (-(exact[index] - floors[index]), index))
    for index in order[:missing]:
        floors[index] += 1
    return [sign * Decimal(cents) * CENT for cents in floors]
