"""Profiles of embedded Sage companies fed by the sandbox platform (the sample firm), as the demo makes them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sagesync.profiles.model import Profile, defaults_table
from sagesync.profiles.secrets import env_variable
from sagesync.profiles.store import ProfileStore
from sagesync.sage.company import init_company
from sagesync.sandbox import samplefirm


def company_profile(name: str, folder: Path, base_url: str, *, company: str = "",
                    schedule: dict[str, Any] | None = None, alerts: dict[str, Any] | None = None,
                    environ: dict[str, str] | None = None, store: bool = True, budget: int | None = None) -> Profile:
    """A profile on a new embedded company at ``folder/<name>.sqlite``, its platform password in the environment."""
    company_path = folder / f"{name}.sqlite"
    if not company_path.exists():
        init_company(company_path, company or name.upper(), closed_months=[("VTE", samplefirm.CLOSED_MONTH)]).dispose()
    table = defaults_table()
    table.update({"sage_company": company or name.upper(), "period_start": "2025-01-01", "siren": "732829320",
                  "sage_location": f"embedded:{company_path}",
                  "platform": {**table["platform"], "base_url": base_url, "email": samplefirm.DEMO_EMAIL,
                               "organization_id": samplefirm.ORGANIZATION_ID, "team_id": samplefirm.TEAM_ID}})
    if budget is not None:  # seconds a platform request may keep retrying (an unreachable platform fails fast)
        table["platform"]["request_budget_seconds"] = budget
    if schedule is not None:
        table["schedule"] = schedule
    if alerts is not None:
        table["alerts"] = alerts
    profile = Profile.from_table(name, table)
    (environ if environ is not None else os.environ)[env_variable(name, "platform")] = samplefirm.DEMO_PASSWORD
    if store:
        profiles = ProfileStore()
        if name in profiles.names():
            profiles.update(profile)
        else:
            profiles.add(profile)
    return profile
