"""`sagesync console`: listens on 127.0.0.1 by default, prints and opens the address with a fresh key."""

from __future__ import annotations

import re
import socket
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import typer
import uvicorn
from typer.testing import CliRunner

from sagesync.interfaces.cli import console_command


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What the command started: the server's sockets and the address given to the browser."""
    seen: dict[str, Any] = {"opened": []}

    def run(server: uvicorn.Server, sockets: list[socket.socket] | None = None) -> None:
        assert sockets is not None
        seen["addresses"] = [listener.getsockname()[:2] for listener in sockets]
        seen["app"] = server.config.app

    monkeypatch.setattr(uvicorn.Server, "run", run)
    monkeypatch.setattr(console_command.webbrowser, "open", seen["opened"].append)
    return seen


def invoke(*arguments: str) -> Any:
    app = typer.Typer()
    console_command.register(app)
    app.command("other")(lambda: None)  # two commands, so `console` is named as it is under sagesync
    return CliRunner().invoke(app, ["console", *arguments])


def test_the_console_listens_on_loopback_and_opens_the_printed_address(started: dict[str, Any]) -> None:
    result = invoke()
    assert result.exit_code == 0, result.output
    ((host, port),) = started["addresses"]
    assert host == "127.0.0.1" and port > 0  # --port 0 took a free port
    (url,) = started["opened"]
    assert url in result.output
    parts = urlsplit(url)
    assert (parts.hostname, parts.port, parts.path) == ("127.0.0.1", port, "/login")
    assert len(parse_qs(parts.query)["token"][0]) >= 40
    assert "Warning" not in result.output


def test_every_start_makes_a_new_key(started: dict[str, Any]) -> None:
    keys = [re.search(r"token=([\w-]+)", invoke("--no-browser").output) for _ in range(2)]
    assert keys[0] and keys[1] and keys[0].group(1) != keys[1].group(1)


def test_no_browser_only_prints_the_address(started: dict[str, Any]) -> None:
    result = invoke("--no-browser")
    assert result.exit_code == 0
    assert started["opened"] == []
    assert "/login?token=" in result.output


def test_listening_beyond_this_computer_is_said_out_loud(started: dict[str, Any]) -> None:
    result = invoke("--host", "0.0.0.0", "--no-browser")
    assert result.exit_code == 0
    assert "reachable from other computers" in result.output


def test_a_port_in_use_is_a_usage_error_with_the_way_out() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        result = invoke("--port", str(taken.getsockname()[1]), "--no-browser")
    assert result.exit_code == 2
    words = " ".join(result.output.replace("│", " ").split())
    assert "cannot listen on 127.0.0.1" in words and "choose another --port" in words


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                                ("0.0.0.0", False), ("192.168.1.10", False), ("example", False)])
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert console_command.is_loopback(host) is loopback
