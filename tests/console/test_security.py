"""Only the browser that opened the printed address may use the console, and only its own pages may change things."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sagesync.interfaces.console import create_app
from sagesync.profiles.store import ProfileStore
from tests.console.conftest import TOKEN, Console, demo_form, log_in

PAGES = ["/", "/cabinet", "/cabinet/row/demo", "/profiles", "/profiles/new", "/profiles/demo/edit", "/company/demo",
         "/company/demo/events",
         "/company/demo/findings", "/company/demo/findings.csv", "/company/demo/documents", "/company/demo/pieces/1",
         "/company/demo/runs", "/company/demo/downloads", "/company/demo/file?path=x", "/static/htmx.min.js",
         "/static/console.css", "/docs", "/openapi.json"]


@pytest.fixture
def stranger() -> TestClient:
    return TestClient(create_app(token=TOKEN), base_url="http://127.0.0.1")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_and_file_is_refused_without_the_session_cookie(stranger: TestClient, path: str) -> None:
    response = stranger.get(path, follow_redirects=False)
    assert response.status_code == 403
    assert "sagesync console" in response.text
    assert TOKEN not in response.text


@pytest.mark.parametrize("path", ["/profiles", "/company/demo/run/sync", "/profiles/demo/test", "/company/demo/fec"])
def test_every_change_is_refused_without_the_session_cookie(stranger: TestClient, path: str) -> None:
    assert stranger.post(path, data={"csrf_token": "anything"}).status_code == 403


def test_a_wrong_key_gets_no_cookie(stranger: TestClient) -> None:
    response = stranger.get("/login?token=" + TOKEN[:-1] + "x", follow_redirects=False)
    assert response.status_code == 403
    assert "set-cookie" not in response.headers
    assert stranger.get("/login", follow_redirects=False).status_code == 403


def test_the_key_is_exchanged_for_a_strict_http_only_cookie_and_leaves_the_address(stranger: TestClient) -> None:
    response = stranger.get(f"/login?token={TOKEN}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/profiles"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert TOKEN.lower() not in cookie  # the cookie is a session id, not the key
    stranger.cookies.set("sagesync_console", response.cookies["sagesync_console"])
    assert stranger.get("/profiles").status_code == 200


def test_a_made_up_session_cookie_is_refused(stranger: TestClient) -> None:
    stranger.cookies.set("sagesync_console", "made-up-session")
    assert stranger.get("/profiles").status_code == 403


def test_a_form_without_its_csrf_token_changes_nothing(console: Console, company_path: Path) -> None:
    form = demo_form(company_path)
    refused = console.client.post("/profiles", data=form)  # no csrf_token field, no header
    assert refused.status_code == 403
    assert "CSRF" in refused.text
    wrong = console.client.post("/profiles", data={**form, "csrf_token": console.csrf[:-2] + "zz"})
    assert wrong.status_code == 403
    assert ProfileStore().names() == []
    accepted = console.client.post("/profiles", data={**form, "csrf_token": console.csrf}, follow_redirects=False)
    assert accepted.status_code == 303
    assert ProfileStore().names() == ["demo"]


def test_a_step_button_needs_the_csrf_header(demo: Console) -> None:
    refused = demo.client.post("/company/demo/run/check")
    assert refused.status_code == 403
    assert demo.app.state.console.runner.channel("demo").thread is None  # nothing was started
    other_session = demo.client.post("/company/demo/run/check", headers={"X-CSRF-Token": "x" * 43})
    assert other_session.status_code == 403
    assert demo.run("check").status_code == 200


def test_one_session_cannot_use_another_sessions_csrf_token(console: Console, company_path: Path) -> None:
    with TestClient(console.app, base_url="http://127.0.0.1") as second:
        second_csrf = log_in(second)
        assert second_csrf != console.csrf
        response = second.post("/profiles", data={**demo_form(company_path), "csrf_token": console.csrf})
        assert response.status_code == 403


def test_pages_are_kept_out_of_frames_caches_and_referrers(console: Console) -> None:
    headers = console.client.get("/profiles").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"


def test_the_shipped_htmx_is_served_to_the_logged_in_browser(console: Console) -> None:
    response = console.client.get("/static/htmx.min.js")
    assert response.status_code == 200
    assert "htmx" in response.text[:200]
    assert console.client.get("/static/htmx-ext-sse.min.js").status_code == 200


def test_a_short_key_is_refused_when_the_app_is_made() -> None:
    with pytest.raises(ValueError, match="at least 16"):
        create_app(token="short")
