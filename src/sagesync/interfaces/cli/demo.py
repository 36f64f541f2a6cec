"""`sagesync demo`: the whole job on embedded parts, on any machine.

A sandbox platform (a local HTTP server speaking the OOTI wire format, seeded
with a sample architecture firm) and an embedded Sage company (SQLite with the
Sage tables) stand in for the real ones; everything else is the real product:
the HTTP client, the checks, the posting, the ledger, the reports, the FEC.

The workspace keeps its own profiles and data (SAGESYNC_CONFIG_DIR and
SAGESYNC_DATA_DIR point into it), so the demo never touches a real profile.
Run it twice: the second run posts nothing, which is the point.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

from rich.console import Console

from sagesync.i18n import _
from sagesync.interfaces.cli.demo_sage_desk import match_receipts_in_sage
from sagesync.interfaces.cli.render import progress_sink
from sagesync.jobs import export_fec, open_job
from sagesync.profiles.model import Profile, defaults_table
from sagesync.profiles.paths import CONFIG_DIR_VARIABLE, DATA_DIR_VARIABLE
from sagesync.profiles.secrets import env_variable
from sagesync.profiles.store import ProfileStore
from sagesync.sage.company import init_company
from sagesync.sandbox import samplefirm
from sagesync.sandbox.server import start_sandbox
from sagesync.steps.events import RunReport

PROFILE = "demo"
COMPANY = "ATELIER LUMIERE"
PERIOD_START = date(2025, 1, 1)


def _profile(company_path: Path, base_url: str) -> Profile:
    table = defaults_table()
    table.update({
        "sage_company": COMPANY, "period_start": PERIOD_START.isoformat(), "siren": "732829320",
        "sage_location": f"embedded:{company_path}",
        "platform": {**table["platform"], "base_url": base_url, "email": samplefirm.DEMO_EMAIL,
                     "organization_id": samplefirm.ORGANIZATION_ID, "team_id": samplefirm.TEAM_ID},
        # Both ways: the platform's payments into Sage, and receipts matched in Sage back to the platform.
        "payments": {**table["payments"], "direction": "both"},
    })
    return Profile.from_table(PROFILE, table)


def run_demo(workspace: Path, *, fresh: bool = False, console: Console | None = None,
             progress_console: Console | None = None,
             then: Callable[[list[RunReport], dict[str, Path]], None] | None = None
             ) -> tuple[list[RunReport], dict[str, Path]]:
    """Sync the sample firm into the workspace; ``then`` runs while the sandbox platform still serves
    (``sagesync demo --console``: the console browses the workspace and its buttons reach the platform)."""
    workspace = workspace.resolve()
    if fresh and workspace.exists():
        shutil.rmtree(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    os.environ[CONFIG_DIR_VARIABLE] = str(workspace / "config")
    os.environ[DATA_DIR_VARIABLE] = str(workspace / "data")
    company_path = workspace / "company.sqlite"
    if not company_path.exists():
        init_company(company_path, COMPANY, closed_months=[("VTE", samplefirm.CLOSED_MONTH)]).dispose()
    # The sandbox's demo password is no secret, but it still travels the way a real one does.
    os.environ[env_variable(PROFILE, "platform")] = samplefirm.DEMO_PASSWORD
    with start_sandbox() as sandbox:
        profile = _profile(company_path, sandbox.base_url)
        store = ProfileStore()
        if PROFILE in store.names():
            store.update(profile)
        else:
            store.add(profile)
        if console is not None:
            console.print(_("Sandbox platform at {url} (sample architecture firm); embedded Sage company {company} "
                            "at {path}").format(url=sandbox.base_url, company=COMPANY, path=company_path))
        with progress_sink(progress_console or Console(stderr=True), enabled=console is not None) as sink, \
                open_job(profile, events=sink) as job:
            reports = job.run("sync")
            # The firm's accountant matches a few bank receipts in Sage; sagesync sends them to the platform.
            if match_receipts_in_sage(company_path):
                reports += job.run("settlements")
            outputs = {"ledger of record": job.paths.ledger, "Sage company": company_path}
        outputs["FEC"] = export_fec(profile, PERIOD_START, date.today(), output=workspace / "exports")
        outputs["profile file"] = ProfileStore().path
        if then is not None:
            then(reports, outputs)
    return reports, outputs


def console_command(workspace: Path) -> str:
    """The one command that opens this demo's workspace in the console, with its sandbox restarted."""
    default = Path("sagesync-demo")
    return "sagesync demo --console" + ("" if workspace == default else f" --workspace {workspace}")
