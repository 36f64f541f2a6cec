"""Alerts: one message per run, by e-mail through a real SMTP server on loopback and by a signed webhook to a
real HTTP receiver, French by default, saying what to fix, never holding a secret."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sagesync.core.findings import Finding, FindingCode, Severity
from sagesync.interfaces.cli.app import app
from sagesync.profiles.paths import config_dir
from sagesync.profiles.secrets import GLOBAL_OWNER, KeyringSecrets
from sagesync.profiles.store import ProfileStore
from sagesync.profiles.unattended import AlertSettings
from sagesync.sandbox import samplefirm
from sagesync.sandbox.server import SandboxHandle
from sagesync.steps.events import RunReport
from sagesync.unattended import outcome as outcomes
from sagesync.unattended.compose import compose_run_alert, scrub
from sagesync.unattended.errors import AlertSettingsError
from sagesync.unattended.notify import Notifier, alert_settings_for
from sagesync.unattended.outcome import Outcome
from sagesync.unattended.runner import Runner
from sagesync.unattended.state import ProfileState, StateStore
from sagesync.unattended.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, post_webhook, verify
from tests.unattended.conftest import Receiver, SmtpServer, free_port
from tests.unattended.helpers import company_profile

WEBHOOK_KEY = "whk-0123456789abcdef-never-shown"
runner = CliRunner()


def alerts_for(smtp: SmtpServer, receiver: Receiver, **extra: object) -> dict[str, object]:
    return {"console_url": "http://cabinet.test:8765",
            "email": {"host": smtp.host, "port": smtp.port, "security": "none", "username": smtp.user,
                      "sender": "sagesync@cabinet.test", "to": ["compta@acme.test", "expert@cabinet.test"]},
            "webhook": {"url": receiver.url}, **extra}


def secrets_for(profile: str, smtp: SmtpServer) -> None:
    KeyringSecrets().set(profile, "smtp", smtp.password)
    KeyringSecrets().set(profile, "webhook", WEBHOOK_KEY)


def no_secret_in(text: str, smtp: SmtpServer) -> None:
    for secret in (smtp.password, WEBHOOK_KEY, samplefirm.DEMO_PASSWORD):
        assert secret not in text


def test_a_run_that_blocked_documents_sends_one_email_and_one_signed_webhook_in_french(
        sandbox: SandboxHandle, tmp_path: Path, smtp_server: SmtpServer, receiver: Receiver) -> None:
    profile = company_profile("acme", tmp_path, sandbox.base_url, company="ATELIER ACME",
                              schedule={"every": "daily", "at": "02:00"},
                              alerts=alerts_for(smtp_server, receiver))
    secrets_for("acme", smtp_server)
    result = Runner().run(profile)
    assert result.outcome.status == "blocked" and result.outcome.to_fix >= 4
    assert [(delivery.channel, delivery.sent) for delivery in result.deliveries] == [("email", True),
                                                                                      ("webhook", True)]
    (email,) = smtp_server.messages
    assert smtp_server.logins == [smtp_server.user]
    assert smtp_server.envelopes == [("sagesync@cabinet.test", ["compta@acme.test", "expert@cabinet.test"])]
    subject, body = str(email["Subject"]), email.get_content()
    assert subject.startswith("[sagesync] ATELIER ACME (acme): ") and "documents à corriger" in subject
    assert "Société ATELIER ACME (profil acme)" in body and "Planification : tous les jours à 02:00" in body
    assert "écritures passées" in body and "Correction : " in body
    assert "Ouvrez la console : http://cabinet.test:8765/company/acme/findings" in body
    assert email["Auto-Submitted"] == "auto-generated"
    ((headers, raw),) = receiver.requests
    assert headers["content-type"].startswith("application/json")
    assert verify(WEBHOOK_KEY, headers[TIMESTAMP_HEADER.lower()], raw, headers[SIGNATURE_HEADER.lower()])
    assert not verify("another key", headers[TIMESTAMP_HEADER.lower()], raw, headers[SIGNATURE_HEADER.lower()])
    payload = json.loads(raw)
    assert payload["format"] == "sagesync-alert/1" and payload["events"] == ["blocked"]
    assert payload["profile"] == "acme" and payload["to_fix"] == result.outcome.to_fix
    assert payload["posted"] > 200 and payload["problems"][0]["fix"] and payload["language"] == "fr"
    assert payload["console_url"] == "http://cabinet.test:8765/company/acme/findings"
    no_secret_in(body + subject, smtp_server)
    no_secret_in(raw.decode(), smtp_server)
    no_secret_in(json.dumps(StateStore().load("acme").as_dict()), smtp_server)


def test_a_run_with_nothing_asked_for_sends_nothing_and_a_failed_run_says_what_to_do(
        sandbox: SandboxHandle, tmp_path: Path, smtp_server: SmtpServer, receiver: Receiver) -> None:
    company_profile("acme", tmp_path, sandbox.base_url, alerts=alerts_for(smtp_server, receiver, events=["failed"]))
    secrets_for("acme", smtp_server)
    quiet = Runner().run(ProfileStore().get("acme"))
    assert quiet.outcome.status == "blocked" and quiet.deliveries == ()
    closed = f"http://127.0.0.1:{free_port()}/api/"  # nobody listens there
    unreachable = company_profile("acme", tmp_path, closed, budget=1,
                                  alerts=alerts_for(smtp_server, receiver, events=["failed"]))
    failed = Runner().run(unreachable)
    assert failed.outcome.status == "failed" and failed.outcome.error_code == "unreachable"
    assert failed.outcome.exit_code == 3
    (email,) = smtp_server.messages
    body = email.get_content()
    assert "échec de la synchronisation" in str(email["Subject"])
    assert "L’exécution s’est arrêtée" in body and "Rien n’a été comptabilisé deux fois" in body
    assert "http://cabinet.test:8765/company/acme/runs" in body and "Traceback" not in body
    assert json.loads(receiver.requests[0][1])["error"]["code"] == "unreachable"
    assert not StateStore().load("acme").last.succeeded  # type: ignore[union-attr]


def test_the_queue_keeps_a_failure_quiet_until_its_last_attempt(sandbox: SandboxHandle, tmp_path: Path,
                                                                 smtp_server: SmtpServer, receiver: Receiver) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/"
    profile = company_profile("acme", tmp_path, closed, budget=1, alerts=alerts_for(smtp_server, receiver))
    secrets_for("acme", smtp_server)
    assert Runner().run(profile, alert_failure=False).deliveries == ()
    assert smtp_server.messages == [] and receiver.requests == []


def test_a_document_changed_after_posting_comes_first_in_the_message() -> None:
    started = datetime(2025, 6, 11, 0, 0, tzinfo=UTC)
    report = RunReport("invoices", "ACME", run_id=7, counts=Counter(posted=3, changed=1, blocked=1))
    report.add_findings([
        Finding("invoice F2025-014", "14", "total_incl_vat", FindingCode.CLOSED_PERIOD, "the period is closed",
                "Reopen the month in Sage or date the document later."),
        Finding("invoice F2025-009", "9", "total_incl_vat", FindingCode.CHANGED_AFTER_POSTING,
                "Sage holds 1 200,00, the platform now says 1 300,00",
                "A posted document is final: issue a credit note and a new invoice instead of editing it.",
                Severity.WARNING)])
    outcome = outcomes.from_reports("acme", "ACME", [report], started, started + timedelta(minutes=1))
    assert outcome.events == ("blocked", "changed") and outcome.run_ids == (7,)
    message = compose_run_alert(outcome, AlertSettings(language="en"))
    assert message is not None
    assert message.subject == "[sagesync] ACME (acme): 1 posted document changed, 1 document to fix"
    assert message.text.index("F2025-009") < message.text.index("F2025-014")
    assert "issue a credit note" in message.text and "sagesync console" in message.text
    only_changed = compose_run_alert(outcome, AlertSettings(events=("changed",)))
    assert only_changed is not None and "F2025-014" not in only_changed.text
    assert compose_run_alert(outcome, AlertSettings(events=("failed", "stale"))) is None


def test_nothing_shaped_like_a_secret_leaves_in_a_message() -> None:
    assert scrub("cannot reach postgresql://sage:Hunter2@db.cabinet/ledger") == \
        "cannot reach postgresql://***@db.cabinet/ledger"
    assert scrub("GET https://x.test/api?token=abc123&page=2") == "GET https://x.test/api?token=***&page=2"
    assert scrub("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.x") == "Authorization: Bearer ***"
    now = datetime(2025, 6, 11, tzinfo=UTC)
    leaky = Outcome("acme", "ACME", now, now, "failed", error="login refused at https://u:SeCrEt99@app.test/?api_key=k1",
                    error_code="unreachable", exit_code=3)
    message = compose_run_alert(leaky, AlertSettings())
    assert message is not None and "SeCrEt99" not in message.text and "k1" not in json.dumps(message.payload)


def test_a_schedule_that_has_not_succeeded_for_too_long_is_told_once(
        sandbox: SandboxHandle, tmp_path: Path, smtp_server: SmtpServer, receiver: Receiver) -> None:
    profile = company_profile("acme", tmp_path, sandbox.base_url,
                              schedule={"every": "daily", "at": "02:00", "alert_after_hours": 36},
                              alerts=alerts_for(smtp_server, receiver, language="en"))
    secrets_for("acme", smtp_server)
    now = datetime(2025, 6, 14, 9, 0, tzinfo=UTC)
    last_ok = now - timedelta(hours=40)
    failed = Outcome("acme", "ATELIER", now - timedelta(hours=7), now - timedelta(hours=7), "failed",
                     error="the platform refused the login", error_code="unreachable", exit_code=3)
    StateStore().save("acme", ProfileState(watched_since=now - timedelta(days=10), last_success_at=last_ok)
                      .with_outcome(failed))
    watcher = Runner(clock=lambda: now)
    sent = watcher.check_stale(profile)
    assert sent is not None and [delivery.sent for delivery in sent] == [True, True]
    (email,) = smtp_server.messages
    assert "no successful sync for more than 36 h" in str(email["Subject"])
    assert "the platform refused the login" in email.get_content()
    assert json.loads(receiver.requests[0][1])["kind"] == "stale"
    assert watcher.check_stale(profile) is None  # once per silence
    recent = Runner(clock=lambda: now + timedelta(hours=1))
    assert recent.check_stale(profile) is None
    StateStore().record(Outcome("acme", "ATELIER", now + timedelta(hours=2), now + timedelta(hours=2), "ok"))
    assert Runner(clock=lambda: now + timedelta(hours=37)).check_stale(profile) is None  # succeeded since
    assert Runner(clock=lambda: now + timedelta(hours=39)).check_stale(profile) is not None  # a new silence
    assert len(smtp_server.messages) == 2


def test_the_global_file_gives_the_server_and_the_profile_its_recipients(
        sandbox: SandboxHandle, tmp_path: Path, smtp_server: SmtpServer, receiver: Receiver) -> None:
    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / "alerts.toml").write_text(
        f'[alerts]\nconsole_url = "http://cabinet.test:8765"\n[alerts.email]\nhost = "{smtp_server.host}"\n'
        f'port = {smtp_server.port}\nsecurity = "none"\nusername = "{smtp_server.user}"\n'
        'sender = "sagesync@cabinet.test"\nto = ["expert@cabinet.test"]\n', encoding="utf-8")
    KeyringSecrets().set(GLOBAL_OWNER, "smtp", smtp_server.password)
    profile = company_profile("acme", tmp_path, sandbox.base_url, alerts={"email": {"to": ["compta@acme.test"]}})
    settings = alert_settings_for(profile)
    assert settings is not None and settings.email is not None
    assert settings.email.to == ("compta@acme.test",) and settings.email.host == smtp_server.host
    Runner().run(profile)
    assert smtp_server.envelopes == [("sagesync@cabinet.test", ["compta@acme.test"])]
    other = company_profile("other", tmp_path, sandbox.base_url)
    assert alert_settings_for(other).email.to == ("expert@cabinet.test",)  # type: ignore[union-attr]
    (config_dir() / "alerts.toml").write_text('[alerts.email]\nhost = "x"\npassword = "oops"\n', encoding="utf-8")
    with pytest.raises(AlertSettingsError, match="plain text") as caught:
        alert_settings_for(other)
    assert "oops" not in str(caught.value)
    (config_dir() / "alerts.toml").write_text('[alerts.email]\nhost = "x"\n', encoding="utf-8")
    with pytest.raises(AlertSettingsError, match=r"alerts\.email\.sender: is missing"):
        alert_settings_for(other)


def test_a_refused_login_or_receiver_is_reported_without_the_secret(
        tmp_path: Path, smtp_server: SmtpServer, receiver: Receiver) -> None:
    settings = AlertSettings.model_validate(alerts_for(smtp_server, receiver))
    now = datetime(2025, 6, 11, tzinfo=UTC)
    message = compose_run_alert(Outcome("acme", "ACME", now, now, "blocked", to_fix=1), settings)
    assert message is not None
    receiver.statuses = [401]
    deliveries = Notifier(secrets=lambda profile, which: "wrong-password-xyz").send(settings, message, "acme")
    assert [delivery.sent for delivery in deliveries] == [False, False]
    assert "refused the login" in deliveries[0].problem and "HTTP 401" in deliveries[1].problem
    assert all("wrong-password-xyz" not in delivery.problem for delivery in deliveries)
    assert len(receiver.requests) == 1  # a 4xx is not sent again


def test_a_webhook_is_sent_again_after_a_5xx_with_the_same_delivery_id(receiver: Receiver) -> None:
    settings = AlertSettings.model_validate({"webhook": {"url": receiver.url}})
    now = datetime(2025, 6, 11, tzinfo=UTC)
    message = compose_run_alert(Outcome("acme", "ACME", now, now, "blocked", to_fix=1), settings)
    assert message is not None and settings.webhook is not None
    receiver.statuses = [503, 500]
    waits: list[float] = []
    assert post_webhook(settings.webhook, WEBHOOK_KEY, message, sleep=waits.append) == 204
    assert len(receiver.requests) == 3 and waits == [2.0, 4.0]
    assert len({headers["x-sagesync-delivery"] for headers, _body in receiver.requests}) == 1


def test_alerts_commands_store_the_secret_and_send_a_test(
        sandbox: SandboxHandle, tmp_path: Path, smtp_server: SmtpServer, receiver: Receiver) -> None:
    company_profile("acme", tmp_path, sandbox.base_url, alerts=alerts_for(smtp_server, receiver))
    stored = runner.invoke(app, ["alerts", "set-secret", "smtp", "--profile", "acme", "--stdin"],
                           input=smtp_server.password + "\n")
    assert stored.exit_code == 0, stored.output
    assert smtp_server.password not in stored.output
    assert runner.invoke(app, ["alerts", "set-secret", "webhook", "--stdin"], input=WEBHOOK_KEY + "\n").exit_code == 0
    assert KeyringSecrets().get(GLOBAL_OWNER, "webhook") == WEBHOOK_KEY  # the global one serves every profile
    result = runner.invoke(app, ["alerts", "test", "--profile", "acme"])
    assert result.exit_code == 0, result.output
    assert "test message sent by email" in result.stdout and "test message sent by webhook" in result.stdout
    assert len(smtp_server.messages) == 1 and len(receiver.requests) == 1
    missing = runner.invoke(app, ["alerts", "test", "--profile", "nobody"])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
