"""``ooti_client_for``: the client a profile describes, with a token or a password, against the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import keyring
import pytest

from sagesync.core.model import RevenueKind
from sagesync.errors import LoginRefusedError, SecretMissingError
from sagesync.profiles.model import Profile, defaults_table
from sagesync.sandbox.samplefirm import ORGANIZATION_ID, TEAM_ID
from sagesync.sandbox.server import SandboxHandle, start_sandbox
from sagesync.sources.ooti.factory import ooti_client_for

API_TOKEN = "ooti-api-0f0f0f0f0f0f"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with start_sandbox(api_token=API_TOKEN) as handle:
        yield handle


def profile(sandbox: SandboxHandle, **platform: Any) -> Profile:
    table = defaults_table()
    table.update(sage_company="ACME", period_start=date(2025, 1, 1), sage_location="C:\\Sage\\ACME.mae")
    table["platform"] = {**table["platform"], "base_url": sandbox.base_url, "email": sandbox.credentials[0],
                         "organization_id": ORGANIZATION_ID, "team_id": TEAM_ID, **platform}
    return Profile.from_table("acme", table)


def test_the_password_from_the_environment_logs_in(sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAGESYNC_ACME_PLATFORM_PASSWORD", sandbox.credentials[1])
    logins = sandbox.hits["token-auth"]
    with ooti_client_for(profile(sandbox)) as ooti:
        assert len(list(ooti.customers())) == 23
        assert ooti.fields.missing_line_kind is RevenueKind.FEES  # from platform.line_kind_when_missing
        assert ooti.retry.budget == 300
        assert (ooti.organization_id, ooti.team_id) == (ORGANIZATION_ID, TEAM_ID)
    assert sandbox.hits["token-auth"] == logins + 1


def test_an_api_token_in_the_keyring_wins_over_the_password(sandbox: SandboxHandle,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAGESYNC_ACME_PLATFORM_PASSWORD", "a stale password")
    keyring.set_password("sagesync", "acme:platform_token", API_TOKEN)
    logins = sandbox.hits["token-auth"]
    with ooti_client_for(profile(sandbox)) as ooti:
        assert len(list(ooti.customers())) == 23
        assert API_TOKEN not in repr(ooti)
    assert sandbox.hits["token-auth"] == logins  # no login at all


def test_an_api_token_from_the_environment_with_its_scheme(sandbox: SandboxHandle,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAGESYNC_ACME_PLATFORM_TOKEN", API_TOKEN)
    with ooti_client_for(profile(sandbox)) as ooti:
        assert len(list(ooti.projects())) == 30
    with ooti_client_for(profile(sandbox, api_token_scheme="Token")) as ooti, pytest.raises(
            LoginRefusedError, match="'Authorization: Token …'"):
        list(ooti.projects())


def test_an_empty_token_variable_means_the_password(sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAGESYNC_ACME_PLATFORM_TOKEN", "")
    monkeypatch.setenv("SAGESYNC_ACME_PLATFORM_PASSWORD", sandbox.credentials[1])
    with ooti_client_for(profile(sandbox)) as ooti:
        assert len(list(ooti.customers())) == 23


def test_neither_secret_names_both_ways(sandbox: SandboxHandle) -> None:
    with pytest.raises(SecretMissingError) as raised:
        ooti_client_for(profile(sandbox))
    message = str(raised.value)
    assert "sagesync profile set-secret acme platform`" in message and "SAGESYNC_ACME_PLATFORM_PASSWORD" in message
    assert "sagesync profile set-secret acme platform_token`" in message and "SAGESYNC_ACME_PLATFORM_TOKEN" in message
    assert raised.value.exit_code == 2


def test_the_request_budget_comes_from_the_profile(sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAGESYNC_ACME_PLATFORM_PASSWORD", "unused")
    with ooti_client_for(profile(sandbox, request_budget_seconds=42)) as ooti:
        assert ooti.retry.budget == 42
