"""The platform's transport settings and API-token secret in the profile (issue 11)."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from sagesync.errors import ConfigurationError
from sagesync.interfaces.cli.profile_commands import register
from sagesync.profiles.model import Profile
from sagesync.profiles.secrets import SECRET_KINDS, WHICH, env_variable, label, resolve_secret
from tests.fakes import MemoryKeyring
from tests.profiles.conftest import acme_table


def acme(**platform: Any) -> Profile:
    table = acme_table()
    table["platform"] = {**table["platform"], **platform}
    return Profile.from_table("acme", table)


def test_defaults_are_300_seconds_and_bearer_and_are_not_written_out() -> None:
    profile = acme()
    assert profile.platform.request_budget_seconds == 300 and profile.platform.api_token_scheme == "Bearer"
    written = profile.to_table()["platform"]
    assert "request_budget_seconds" not in written and "api_token_scheme" not in written


def test_changed_values_are_kept_and_written() -> None:
    profile = acme(request_budget_seconds="600", api_token_scheme="Token")
    assert profile.platform.request_budget_seconds == 600
    written = profile.to_table()["platform"]
    assert written["request_budget_seconds"] == 600 and written["api_token_scheme"] == "Token"
    assert Profile.from_table("acme", profile.to_table()) == profile


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("request_budget_seconds", 0, "positive whole number"), ("request_budget_seconds", 2.5, "float"),
    ("request_budget_seconds", "soon", "positive whole number"), ("api_token_scheme", "Bearer x", "scheme"),
    ("api_token_scheme", "", "scheme")])
def test_wrong_values_name_the_field(name: str, value: object, expected: str) -> None:
    with pytest.raises(ConfigurationError, match=rf"profiles\.acme\.platform\.{name}: .*{expected}"):
        acme(**{name: value})


def test_the_token_is_a_third_kind_of_secret_with_its_own_variable() -> None:
    assert WHICH == ("sage", "platform") and SECRET_KINDS == ("sage", "platform", "platform_token")
    assert env_variable("acme-sa", "platform_token") == "SAGESYNC_ACME_SA_PLATFORM_TOKEN"
    assert env_variable("acme-sa", "platform") == "SAGESYNC_ACME_SA_PLATFORM_PASSWORD"
    assert label("platform_token") == "platform API token"
    assert resolve_secret("acme", "platform_token", environ={"SAGESYNC_ACME_PLATFORM_TOKEN": "t0k"}) == "t0k"


def test_set_secret_accepts_platform_token(memory_keyring: MemoryKeyring) -> None:
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    options = ["--company", "ACME", "--period-start", "2025-01-01", "--sage-location", "C:\\Sage\\ACME.mae",
               "--email", "compta@acme.fr"]
    assert runner.invoke(app, ["profile", "new", "acme", *options]).exit_code == 0
    result = runner.invoke(app, ["profile", "set-secret", "acme", "platform_token"], input="tok-123\n")
    assert result.exit_code == 0, result.output
    assert "platform API token of acme stored in the OS keyring" in result.output and "tok-123" not in result.output
    assert resolve_secret("acme", "platform_token") == "tok-123"
    shown = runner.invoke(app, ["profile", "show", "acme"]).output
    assert "platform API token: OS keyring" in shown and "tok-123" not in shown
    assert runner.invoke(app, ["profile", "set-secret", "acme", "platform_token"], input="\n").exit_code == 2
    assert runner.invoke(app, ["profile", "delete", "acme", "--yes"]).exit_code == 0
    assert memory_keyring.get_password("sagesync", "acme:platform_token") is None
