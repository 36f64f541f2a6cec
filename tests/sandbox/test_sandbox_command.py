"""``sagesync sandbox`` through typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from sagesync.interfaces.cli.sandbox_command import _write_patch_log, register
from sagesync.sandbox.samplefirm import DEMO_EMAIL, DEMO_PASSWORD
from sagesync.sandbox.server import start_sandbox
from sagesync.sources.files import synthetic_firm
from sagesync.sources.ooti import wirejson
from sagesync.sources.ooti.client import OotiClient


def app() -> typer.Typer:
    application = typer.Typer()
    register(application)

    @application.callback()
    def main() -> None:
        """Keep ``sandbox`` a sub-command, as in the real app."""

    return application


def test_serves_the_sample_firm_and_says_how_to_log_in() -> None:
    result = CliRunner().invoke(app(), ["sandbox", "--port", "0", "--duration", "0.3"])
    assert result.exit_code == 0, result.output
    assert "sandbox platform at http://127.0.0.1:" in result.output
    assert "organization 1207, team(s) 3418" in result.output
    assert f"demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}" in result.output
    assert "stopped; 0 request(s) served" in result.output


def test_another_firm_file_keeps_its_password_to_itself(tmp_path: Path) -> None:
    path = tmp_path / "firm.json"
    path.write_text(wirejson.dumps(synthetic_firm(3, 1, seed=1).wire()), encoding="utf-8")
    result = CliRunner().invoke(app(), ["sandbox", "--port", "0", "--data", str(path), "--error-rate", "0.1",
                                        "--seed", "4", "--duration", "0.2"])
    assert result.exit_code == 0, result.output
    assert "bench-password" not in result.output and f"the 'credentials' of {path}" in result.output
    assert "fault injection on" in result.output and "seed=4" in result.output


def test_a_file_that_is_not_a_firm_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "firm.json"
    path.write_text(json.dumps({"invoices": []}), encoding="utf-8")
    result = CliRunner().invoke(app(), ["sandbox", "--port", "0", "--data", str(path), "--duration", "0.1"])
    assert result.exit_code == 2 and "has no 'credentials'" in result.output


def test_a_rate_above_one_is_refused() -> None:
    result = CliRunner().invoke(app(), ["sandbox", "--port", "0", "--error-rate", "1.5"])
    assert result.exit_code == 2


def test_patches_are_appended_to_the_patch_log(tmp_path: Path) -> None:
    log = tmp_path / "patches.jsonl"
    with start_sandbox() as sandbox, OotiClient(sandbox.base_url, *sandbox.credentials, None, None) as ooti:
        ooti.patch_invoice(40011, {"accounting_reference": "F2025-0007"})
        written = _write_patch_log(sandbox, log, 0)
        ooti.patch_invoice(40012, {"accounting_reference": "F2025-0008"})
        assert _write_patch_log(sandbox, log, written) == 2
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [(line["pk"], line["fields"]) for line in lines] == [
        (40011, {"accounting_reference": "F2025-0007"}), (40012, {"accounting_reference": "F2025-0008"})]


def test_the_fault_options_reach_the_server() -> None:
    result = CliRunner().invoke(app(), ["sandbox", "--port", "0", "--duration", "0.2", "--requests-per-second", "5",
                                        "--cut-rate", "0.05", "--error-retry-after", "2", "--token-requests", "50",
                                        "--api-token", "tok-secret-1"])
    assert result.exit_code == 0, result.output
    assert ("fault injection on: error_retry_after=2, requests_per_second=5.0, cut_rate=0.05, token_requests=50"
            in result.output)
    assert "API token accepted too" in result.output and "tok-secret-1" not in result.output
