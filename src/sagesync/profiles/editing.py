"""Changing a profile table from the command line: ``key=value`` settings by TOML path.

Paths are those of the file below ``[profiles.<name>]``::

    sales_journal=VTE                     accounts.collective=411100
    platform.team_id=5678                 accounts.revenue_by_rate.0=706300
    vat.5.5.code_receipts=E055            (VAT entries are found by their rate)
    siren=                                (an empty value removes an optional setting)
    vat.2.1=                              (removes the 2.1 % entry)

Values are strings; the profile's own validation reads them (``"1234"`` becomes
an id, ``"01/01/2025"`` a date) and names the field when one is wrong. A key
named like a password is refused here, before it could reach the file.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sagesync.core.mapping import rate_key
from sagesync.errors import ConfigurationError
from sagesync.i18n import _
from sagesync.profiles.validation import is_secret_key


def parse_assignment(text: str) -> tuple[str, str]:
    """"accounts.collective=411100" -> ("accounts.collective", "411100")."""
    key, equals, value = text.partition("=")
    key = key.strip()
    if not equals or not key:
        raise ConfigurationError(_("--set {text}: expected key=value, e.g. --set accounts.collective=411100").format(
            text=repr(text)))
    return key, value.strip()


def _same_rate(left: object, right: str) -> bool:
    try:
        return rate_key(Decimal(str(left).replace(",", "."))) == rate_key(Decimal(right.replace(",", ".")))
    except InvalidOperation:
        return False


def _set_vat(table: dict[str, Any], rest: str, value: str, key: str) -> None:
    entries: list[dict[str, Any]] = table.setdefault("vat", [])
    rate, _dot, field = rest.rpartition(".")
    if not rate or not field[:1].isalpha():  # "vat.2.1=" : the whole entry
        rate, field = rest, ""
    try:
        Decimal(rate.replace(",", "."))
    except InvalidOperation:
        raise ConfigurationError(_("--set {key}: {rate} is not a rate (expected e.g. vat.20.code_debits=C20 or "
                                   "vat.5.5.account_receipts=445745)").format(key=key, rate=repr(rate))) from None
    index = next((i for i, entry in enumerate(entries) if _same_rate(entry.get("rate"), rate)), None)
    if not field:
        if value:
            raise ConfigurationError(_("--set {key}={value}: name the field, e.g. {key}.code_debits={value}").format(
                key=key, value=value))
        if index is not None:
            del entries[index]
        return
    if index is None:
        entries.append({"rate": rate})
        index = len(entries) - 1
    if value:
        entries[index][field] = value
    else:
        entries[index].pop(field, None)


def _set_nested(table: dict[str, Any], parts: list[str], value: str, key: str) -> None:
    node = table
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigurationError(_("--set {key}: {part} is a single value, not a table").format(key=key, part=part))
        node = child
    if value:
        node[parts[-1]] = value
    else:
        node.pop(parts[-1], None)


def apply_settings(table: Mapping[str, Any], settings: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """A copy of ``table`` with each (key, value) applied in order."""
    result = copy.deepcopy(dict(table))
    for key, value in settings:
        if any(is_secret_key(part) for part in key.split(".")):
            raise ConfigurationError(_("--set {key}: passwords never go in the profile file; use `sagesync profile "
                                       "set-secret NAME sage|platform` or the environment variable").format(key=key))
        if key == "name":
            raise ConfigurationError(_("--set name: a profile's name is its table key; create a new profile instead"))
        if key.startswith("vat."):
            _set_vat(result, key[len("vat."):], value, key)
        elif key.startswith("accounts.revenue_by_rate."):
            # The rate itself may hold a dot (5.5): everything after the table name is the key.
            by_rate = result.setdefault("accounts", {}).setdefault("revenue_by_rate", {})
            _set_nested(by_rate, [key[len("accounts.revenue_by_rate."):]], value, key)
        else:
            _set_nested(result, key.split("."), value, key)
    return result
