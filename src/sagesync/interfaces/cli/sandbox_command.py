"""``sagesync sandbox``: run the sandbox platform (OOTI wire format) on this machine.

    sagesync sandbox [--port 8000] [--host 127.0.0.1] [--data FILE] [--items-in-list] [--latency 0.02]
                     [--error-rate 0.1] [--error-status 503] [--error-retry-after SECONDS]
                     [--rate-limit-rate 0.05] [--retry-after 1] [--retry-after-as-date]
                     [--requests-per-second 5] [--burst 5]
                     [--truncate-rate 0.02] [--cut-rate 0.02] [--reset-rate 0.01]
                     [--slow-rate 0.05] [--slow-seconds 0.5] [--fail-first N]
                     [--token-seconds 60] [--token-requests 100] [--api-token TOKEN]
                     [--seed 0] [--patch-log FILE] [--duration SECONDS]

Serves the bundled sample firm unless ``--data`` names another firm file. Listens
on loopback (127.0.0.1) unless ``--host`` names another interface. Port 8000 is what
the vendor SDK's ``ENVIRONMENT=LOCAL`` expects. The fault options are described in
``sagesync.sandbox.faults``; the same seed plays the same faults.
PATCHes are kept in memory and, with ``--patch-log``, appended to a JSON-lines file.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from sagesync.i18n import N_, _
from sagesync.sandbox.faults import Faults
from sagesync.sandbox.samplefirm import DEMO_PASSWORD
from sagesync.sandbox.server import SandboxHandle, start_sandbox
from sagesync.sandbox.store import FirmDataError
from sagesync.sources.ooti import wirejson


def _write_patch_log(handle: SandboxHandle, path: Path, written: int) -> int:
    """Append the PATCHes recorded since the last call; returns how many are written now."""
    patches = handle.patches[written:]
    if patches:
        with path.open("a", encoding="utf-8") as log:
            for patch in patches:
                log.write(wirejson.dumps(patch) + "\n")
    return written + len(patches)


def sandbox(
    port: Annotated[int, typer.Option(help=N_("Port to listen on (0: any free port)."))] = 8000,
    host: Annotated[str, typer.Option(help=N_("Interface; loopback unless you mean otherwise."))] = "127.0.0.1",
    data: Annotated[Path | None, typer.Option(help=N_("Firm JSON file (default: the bundled sample firm)."),
                                              exists=True, dir_okay=False)] = None,
    items_in_list: Annotated[bool, typer.Option(help=N_("Put items in invoice list rows."))] = False,
    latency: Annotated[
        float, typer.Option(min=0.0, help=N_("Seconds added to every answer (a WAN round trip)."))
    ] = 0.0,
    error_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help=N_("Share of answers that are 5xx."))] = 0.0,
    error_status: Annotated[int, typer.Option(min=500, max=599, help=N_("The status of those answers."))] = 503,
    error_retry_after: Annotated[int | None, typer.Option(min=0, help=N_("Retry-After sent with a 5xx, in seconds "
                                                          "(default: none)."))] = None,
    rate_limit_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help=N_("Share of answers that are 429."))] = 0.0,
    retry_after: Annotated[int, typer.Option(min=0, help=N_("Retry-After of a 429, in seconds."))] = 1,
    retry_after_as_date: Annotated[bool, typer.Option(help=N_("Send Retry-After as an HTTP date."))] = False,
    requests_per_second: Annotated[float, typer.Option(min=0.0, help=N_("Rate limit: more requests a second than "
                                                       "this get 429 (token bucket; 0: none)."))] = 0.0,
    burst: Annotated[int, typer.Option(min=0, help=N_("Requests the rate limit lets through at once "
                                       "(0: one second's worth)."))] = 0,
    slow_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help=N_("Share of answers that are late."))] = 0.0,
    slow_seconds: Annotated[float, typer.Option(min=0.0, help=N_("How late a slow answer is."))] = 0.5,
    truncate_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help=N_("Share of bodies cut mid-way, "
                                                 "the connection closed."))] = 0.0,
    cut_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help=N_("Share of 200s whose JSON is cut, "
                                            "Content-Length matching."))] = 0.0,
    reset_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help=N_("Share of connections reset before "
                                              "an answer."))] = 0.0,
    fail_first: Annotated[int, typer.Option(min=0, help=N_("The first N requests of each URL get a 5xx."))] = 0,
    token_seconds: Annotated[float | None, typer.Option(min=0.0, help=N_("Access tokens expire after this many "
                                                        "seconds (default 1800)."))] = None,
    token_requests: Annotated[int | None, typer.Option(min=1, help=N_("Access tokens expire after this many "
                                                       "requests."))] = None,
    api_token: Annotated[str | None, typer.Option(help=N_("Also accept this long-lived API token "
                                                  "(Authorization: Bearer TOKEN)."))] = None,
    seed: Annotated[int, typer.Option(help=N_("Seed of the fault draws (same seed, same faults)."))] = 0,
    patch_log: Annotated[Path | None, typer.Option(help=N_("Append each PATCH to this JSON-lines file."))] = None,
    duration: Annotated[float | None, typer.Option(help=N_("Stop after this many seconds (scripts)."))] = None,
) -> None:
    faults = Faults(error_rate=error_rate, error_status=error_status, error_retry_after=error_retry_after,
                    rate_limit_rate=rate_limit_rate, retry_after=retry_after, retry_after_as_date=retry_after_as_date,
                    requests_per_second=requests_per_second, burst=burst, truncate_rate=truncate_rate,
                    cut_rate=cut_rate, reset_rate=reset_rate, slow_rate=slow_rate, slow_seconds=slow_seconds,
                    fail_first=fail_first, token_seconds=token_seconds, token_requests=token_requests, seed=seed)
    try:
        handle = start_sandbox(data, port, faults, host=host, items_in_list=items_in_list, latency=latency,
                               api_token=api_token)
    except FirmDataError as error:
        typer.echo(f"{_('error:')} {error}", err=True)
        raise typer.Exit(2) from None
    except OSError as error:
        typer.echo(_("error: cannot listen on {address}: {problem}; pick another --port").format(
            address=f"{host}:{port}", problem=error.strerror), err=True)
        raise typer.Exit(2) from None
    email, _password = handle.credentials
    store = handle.store
    typer.echo(_("sandbox platform at {url}").format(url=handle.base_url))
    typer.echo(_("organization {organization}, team(s) {teams}").format(
        organization=store.organization_id, teams=", ".join(map(str, store.team_ids()))))
    if data is None:
        typer.echo(_("demo login: {email} / {password} (public demo password of the sample firm)").format(
            email=email, password=DEMO_PASSWORD))
    else:
        typer.echo(_("login: {email}, password: the 'credentials' of {file}").format(email=email, file=data))
    if api_token:
        typer.echo(_("API token accepted too (Authorization: Bearer <the token given>)"))
    if faults.changed:
        typer.echo(_("fault injection on: {faults}").format(faults=faults.describe()))
    typer.echo(_("Ctrl-C to stop."))
    stop = threading.Event()
    written = 0
    deadline = time.monotonic() + duration if duration is not None else None
    try:
        while not stop.wait(0.2):
            if patch_log is not None:
                written = _write_patch_log(handle, patch_log, written)
            if deadline is not None and time.monotonic() >= deadline:
                break
    except KeyboardInterrupt:
        pass
    finally:
        if patch_log is not None:
            _write_patch_log(handle, patch_log, written)
        handle.stop()
        typer.echo(_("stopped; {requests} request(s) served, {patches} PATCH(es)").format(
            requests=sum(handle.hits.values()), patches=len(handle.patches)))


def register(app: typer.Typer) -> None:
    app.command("sandbox", help=N_("Serve the sandbox platform until Ctrl-C."))(sandbox)
