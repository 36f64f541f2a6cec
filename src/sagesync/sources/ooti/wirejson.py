"""JSON as the platform speaks it, with amounts kept exact.

Reading: numbers with a fraction become ``Decimal`` straight from their digits
(``parse_float=Decimal``), never a binary float. Writing: a ``Decimal`` is written
as a JSON number with its own digits (``1437.12``), as OOTI sends amounts.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

# json cannot write a Decimal as a number: it is first written as a marked string,
# then the marks are removed. The mark starts with U+0000, which json always escapes,
# so no text a user typed can look like one.
_MARK = "\x00decimal:"
_MARKED = re.compile(r'"\\u0000decimal:(-?[0-9]+(?:\.[0-9]+)?)"')


def _encode_decimal(value: object) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be written as a JSON number")
        return _MARK + format(value, "f")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: object, *, indent: int | None = None) -> str:
    separators = (",", ": ") if indent is not None else (",", ":")
    text = json.dumps(value, default=_encode_decimal, ensure_ascii=False, indent=indent, separators=separators)
    return _MARKED.sub(r"\1", text)


def loads(text: str | bytes) -> object:
    """Parse platform JSON; raises ``ValueError`` (``json.JSONDecodeError``) on a malformed body."""
    return json.loads(text, parse_float=Decimal)
