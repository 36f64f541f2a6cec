"""Write-back actions: off by default, or a PATCH of a named field that must be acknowledged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sagesync.errors import ConfigurationError, SourceDataError
from sagesync.sandbox.server import start_sandbox
from sagesync.sources.ooti.client import OotiClient
from sagesync.sources.ooti.writeback import PatchFieldWriteback, WritebackValue
from sagesync.steps.context import LedgerOnlyWriteback, WritebackAction

POSTED_AT = datetime(2026, 11, 25, 17, 30, tzinfo=UTC)


def test_the_default_sends_nothing() -> None:
    action: WritebackAction = LedgerOnlyWriteback()
    action.send("40011", "F2025-0007", POSTED_AT)
    assert action.name == "ledger"


@pytest.mark.parametrize(("value", "sent"), [(WritebackValue.PIECE, "F2025-0007"),
                                             (WritebackValue.POSTED_AT, "2026-11-25T17:30:00Z"),
                                             (WritebackValue.TRUE, True)])
def test_patch_field_writes_the_value_on_the_platform(value: WritebackValue, sent: object) -> None:
    with start_sandbox() as sandbox, OotiClient(sandbox.base_url, *sandbox.credentials, None, None) as ooti:
        action: WritebackAction = PatchFieldWriteback(ooti, "accounting_reference", value)
        action.send("40011", "F2025-0007", POSTED_AT)
        assert [(patch["pk"], patch["fields"]) for patch in sandbox.patches] == [
            (40011, {"accounting_reference": sent})]
        assert sandbox.store.invoice_by_pk[40011]["accounting_reference"] == sent
        assert action.name == "patch:accounting_reference"


class SilentPlatform:
    """Answers 200 but keeps nothing: what DRF does with a field it does not know."""

    def patch_invoice(self, pk: int | str, fields: dict[str, Any]) -> dict[str, Any]:
        return {"pk": pk, "code": "F2025-0007"}


def test_a_platform_that_drops_the_field_is_not_trusted() -> None:
    with pytest.raises(SourceDataError, match="does not hold accounting_reference='F2025-0007'"):
        PatchFieldWriteback(SilentPlatform(), "accounting_reference").send("40011", "F2025-0007", POSTED_AT)


@pytest.mark.parametrize("field", ["is_valid", "is_sent", "is_closed", " ", "code"])
def test_fields_with_business_meaning_are_refused(field: str) -> None:
    with pytest.raises(ConfigurationError, match="cannot be used"):
        PatchFieldWriteback(SilentPlatform(), field)


def test_a_refused_patch_raises_so_the_outbox_retries() -> None:
    with start_sandbox() as sandbox, OotiClient(sandbox.base_url, *sandbox.credentials, None, None) as ooti:
        with pytest.raises(SourceDataError, match="HTTP 404"):
            PatchFieldWriteback(ooti, "accounting_reference").send("1", "F2025-0007", POSTED_AT)
        with pytest.raises(SourceDataError, match="not an OOTI invoice pk"):
            PatchFieldWriteback(ooti, "accounting_reference").send("abc", "F2025-0007", POSTED_AT)
