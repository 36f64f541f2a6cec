"""A .mae company from end to end through the command line: its Sage export, the import file, the confirmation.

The company cannot be read from here: its Sage export (made here from the embedded
company's chart, as Sage would write it) stands in for it. A sync writes the import file
and says what to do in Sage; "importing" it is simulated by adding its pieces to a new
export, as Sage's next export would hold them; `sage confirm` then finds them there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sagesync.interfaces.cli.app import app
from sagesync.sandbox.server import SandboxHandle, start_sandbox
from tests.mae_company import chart_export, imported
from tests.sources.netguard import loopback_only

__all__ = ["loopback_only"]

runner = CliRunner()


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with start_sandbox() as handle:
        yield handle


def test_a_mae_company_is_read_through_its_export_posted_through_an_import_file_and_confirmed_from_a_new_export(
        tmp_path: Path, sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    export = tmp_path / "ACME-export.txt"
    export.write_bytes(chart_export())
    email, password = sandbox.credentials
    monkeypatch.setenv("SAGESYNC_ACME_PLATFORM_PASSWORD", password)
    created = runner.invoke(app, ["profile", "new", "acme", "--company", "ACME", "--period-start", "2025-01-01",
                                  "--sage-location", "C:\\Sage\\ACME.mae", "--sage-export", str(export),
                                  "--email", email, "--base-url", sandbox.base_url, "--organization-id", "1207",
                                  "--team-id", "3418"])
    assert created.exit_code == 0, created.output

    synced = runner.invoke(app, ["sync", "--profile", "acme"])
    assert synced.exit_code in (0, 1), synced.output  # the sample firm's planted mistakes block a few documents
    out = synced.output
    assert "Fichier > Importer > Format Sage…" in out
    files = sorted((tmp_path / "data").rglob("outbox/*.txt"))  # the new tiers, the new sections, the entries
    # new tiers, new sections, the invoices, the payments: one import file per run that has any
    assert len(files) == 4 and all(str(path) in out for path in files)
    assert "import, in this order:" in out
    assert out.index(str(files[0])) < out.index(str(files[1])) < out.index(str(files[2]))
    assert f"Export the company again, with its entries (Fichier > Exporter > Format Sage), to {export}" in out
    assert "sagesync sage confirm --profile acme" in out

    waiting = runner.invoke(app, ["sage", "confirm", "--profile", "acme"])
    assert waiting.exit_code == 0, waiting.output
    assert "0 piece(s) found in Sage" in waiting.output and "Imported them already?" in waiting.output

    export.write_bytes(imported(export.read_bytes(), files))  # imported in Sage, then exported again
    confirmed = runner.invoke(app, ["sage", "confirm", "--profile", "acme"])
    assert confirmed.exit_code == 0, confirmed.output
    found = int(confirmed.output.split(" piece(s) found in Sage")[0].split()[-1])
    assert found > 200 and "; 0 in an import file" in confirmed.output
    states = json.loads(runner.invoke(app, ["status", "--profile", "acme", "--json"]).output)["documents"]
    # every piece found: the documents' (counted here) and the payments' bank entries
    assert 200 < states["confirmed"] < found and "delivered" not in states
