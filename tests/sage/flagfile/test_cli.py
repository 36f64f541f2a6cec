"""`sagesync sage learn-format`: prints the learned format, hands it to the profile hook."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from sagesync.interfaces.cli import sage_command
from sagesync.sage.flagfile import FormatProfile
from tests.sage.flagfile.test_learn import V31_EXPORT


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "EXPORT.txt"
    path.write_bytes(V31_EXPORT)
    return path


@pytest.fixture(autouse=True)
def no_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sage_command, "learned_format_hook", None)


def app_with(hook: sage_command.LearnedFormatHook | None = None) -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """sagesync"""

    sage_command.register(app, store_learned_format=hook)
    return app


def test_learn_format_prints_the_version_and_record_lines(export: Path) -> None:
    result = CliRunner().invoke(app_with(), ["sage", "learn-format", str(export)])
    assert result.exit_code == 0, result.output
    assert "#VER 31" in result.output
    row = next(text for text in result.output.splitlines() if "#MPCT" in text)
    assert "133 + accounts" in row and "export" in row and "write" in row


def test_json_output_is_the_storable_format(export: Path) -> None:
    result = CliRunner().invoke(app_with(), ["sage", "learn-format", str(export), "--json"])
    assert result.exit_code == 0, result.output
    fmt = FormatProfile.from_dict(json.loads(result.output))
    assert (fmt.version, fmt.layout("MECG").field_count, fmt.layout("MECG").default(27)) == (31, 39, "1")


def test_profile_option_hands_the_format_to_the_hook(export: Path) -> None:
    stored: list[tuple[str, dict[str, Any]]] = []
    result = CliRunner().invoke(app_with(lambda name, data: stored.append((name, data))),
                                ["sage", "learn-format", str(export), "--profile", "cabinet"])
    assert result.exit_code == 0, result.output
    assert [name for name, _ in stored] == ["cabinet"]
    assert FormatProfile.from_dict(stored[0][1]).version == 31
    assert "Stored in profile cabinet" in result.output


def test_profile_option_without_a_store_is_a_configuration_error(export: Path) -> None:
    result = CliRunner().invoke(app_with(), ["sage", "learn-format", str(export), "--profile", "cabinet"])
    assert result.exit_code == 2


def test_a_file_that_is_not_an_export_exits_2_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello\r\n")
    result = CliRunner().invoke(app_with(), ["sage", "learn-format", str(path)])
    assert result.exit_code == 2
