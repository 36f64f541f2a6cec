"""The console over real HTTP on 127.0.0.1: the key exchange and live progress by server-sent events."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import httpx

from tests.console.conftest import CSRF_HEADER, LiveConsole, demo_form


def logged_in(live: LiveConsole) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=live.base_url, timeout=30)
    response = client.get(live.login_url, follow_redirects=True)
    assert response.status_code == 200 and str(response.url) == f"{live.base_url}/profiles"
    match = CSRF_HEADER.search(response.text)
    assert match
    return client, match.group(1)


def events(lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(event name, data) pairs from the lines of a text/event-stream."""
    name, data = "", []
    for line in lines:
        if line.startswith("event: "):
            name = line[len("event: "):]
        elif line.startswith("data: "):
            data.append(line[len("data: "):])
        elif line == "" and name:
            yield name, "\n".join(data)
            name, data = "", []


def test_a_step_started_by_one_page_is_followed_live_by_another(live_console: LiveConsole, company_path: Path) -> None:
    watcher, csrf = logged_in(live_console)
    clicker, clicker_csrf = logged_in(live_console)
    created = clicker.post("/profiles", data={**demo_form(company_path), "csrf_token": clicker_csrf})
    assert created.status_code == 303
    seen: list[tuple[str, str]] = []
    with watcher.stream("GET", "/company/demo/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        received = events(stream.iter_lines())
        first = next(received)
        assert first[0] == "progress" and "Ready:" in first[1]
        clicked = clicker.post("/company/demo/run/sync", headers={"X-CSRF-Token": clicker_csrf})
        assert clicked.status_code == 200
        for event in received:
            seen.append(event)
            if event[0] == "finished":
                break
    kinds = [kind for kind, _data in seen]
    assert kinds[-1] == "finished" and kinds.count("progress") >= 5  # at least a start per step
    final = seen[-2][1]
    assert "Last run, finished" in final
    titles = re.findall(r"<tr><td>([^<]+)</td><td><span class=\"badge", final)
    assert titles == ["Pull customers", "Pull projects", "Check invoices", "Pull invoices", "Pull payments",
                      "Write back"]
    assert csrf != clicker_csrf
    watcher.close()
    clicker.close()


def test_the_server_refuses_a_browser_without_the_key(live_console: LiveConsole) -> None:
    with httpx.Client(base_url=live_console.base_url) as client:
        assert client.get("/profiles").status_code == 403
        assert client.get("/login?token=guess").status_code == 403
