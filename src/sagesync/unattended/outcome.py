"""What an unattended run means for a person: pure, from the run's reports or the error that stopped it.

An ``Outcome`` is small and plain (it is kept in a JSON file and sent in a webhook): the counts
a person acts on (posted, documents to fix, documents changed after posting), the first
problems with their fix, and, for a run that failed, the classified error's message. Which
alert events it raises: ``blocked`` (documents or records to fix), ``changed`` (a posted
document edited on the platform) and ``failed`` (the run stopped).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from sagesync.core.findings import FindingCode, Severity
from sagesync.steps.events import RunReport, Step

Status = Literal["ok", "blocked", "failed", "busy"]
PROBLEMS_KEPT = 200  # per outcome; the counts hold the rest


@dataclass(frozen=True, slots=True)
class Problem:
    kind: Literal["blocked", "changed"]
    document: str
    message: str
    fix: str


@dataclass(frozen=True, slots=True)
class Outcome:
    profile: str
    company: str
    started_at: datetime
    finished_at: datetime
    status: Status
    posted: int = 0
    to_fix: int = 0  # invoices and credit notes blocked
    records_to_fix: int = 0  # clients and projects refused
    changed: int = 0  # posted documents edited since on the platform
    problems: tuple[Problem, ...] = ()
    error: str = ""  # what stopped a failed (or busy) run, already classified and translated
    error_code: str = ""  # configuration, unreachable, lock_held, internal
    exit_code: int = 0
    run_ids: tuple[int, ...] = ()
    trigger: str = "schedule"  # schedule, queue, manual
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        """The run went to its end (documents to fix or not): what "has not succeeded for N hours" counts."""
        return self.status in ("ok", "blocked")

    @property
    def events(self) -> tuple[str, ...]:
        found: list[str] = []
        if self.status == "failed":
            found.append("failed")
        if self.to_fix or self.records_to_fix:
            found.append("blocked")
        if self.changed:
            found.append("changed")
        return tuple(found)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat()
        data["problems"] = [asdict(problem) for problem in self.problems]
        data["run_ids"] = list(self.run_ids)
        data["events"] = list(self.events)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        values = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        values["started_at"] = datetime.fromisoformat(str(data["started_at"]))
        values["finished_at"] = datetime.fromisoformat(str(data["finished_at"]))
        values["problems"] = tuple(Problem(**problem) for problem in data.get("problems", ()))
        values["run_ids"] = tuple(data.get("run_ids", ()))
        return cls(**values)


def from_reports(profile: str, company: str, reports: Sequence[RunReport], started_at: datetime,
                 finished_at: datetime, *, trigger: str = "schedule") -> Outcome:
    """The outcome of a run that went to its end."""
    steps = {report.step for report in reports}
    # Check invoices is the same pass as Pull invoices: counted once when both ran (as the CLI's headline).
    counted = [report for report in reports if not (report.step == Step.CHECK and Step.INVOICES in steps)]
    documents = [report for report in counted if report.step in (Step.CHECK, Step.INVOICES)]
    records = [report for report in counted if report.step in (Step.CUSTOMERS, Step.PROJECTS)]
    posted = sum(report.counts.get("posted", 0) for report in counted if report.step == Step.INVOICES)
    to_fix = sum(report.counts.get("blocked", 0) + report.counts.get("rejected", 0) for report in documents)
    changed = sum(report.counts.get("changed", 0) for report in documents)
    records_to_fix = sum(report.blocked for report in records)
    problems: list[Problem] = []
    seen: set[tuple[str, str, str]] = set()
    for report in [*documents, *records]:
        for finding in report.findings:
            key = (finding.source_id, finding.code.value, finding.field)
            if key in seen:
                continue
            if finding.code is FindingCode.CHANGED_AFTER_POSTING:
                kind: Literal["blocked", "changed"] = "changed"
            elif finding.severity is Severity.BLOCKING:
                kind = "blocked"
            else:
                continue
            seen.add(key)
            if len(problems) < PROBLEMS_KEPT:
                problems.append(Problem(kind, finding.document, finding.message, finding.fix))
    # Changed documents first: they are the ones the books cannot follow.
    problems.sort(key=lambda problem: problem.kind != "changed")
    status: Status = "blocked" if to_fix or records_to_fix or changed else "ok"
    return Outcome(profile, company, started_at, finished_at, status, posted=posted, to_fix=to_fix,
                   records_to_fix=records_to_fix, changed=changed, problems=tuple(problems),
                   run_ids=tuple(sorted({report.run_id for report in reports if report.run_id})), trigger=trigger)


def from_error(profile: str, company: str, message: str, code: str, exit_code: int, started_at: datetime,
               finished_at: datetime, *, trigger: str = "schedule") -> Outcome:
    """The outcome of a run that stopped: ``busy`` when another run held the company, else ``failed``."""
    status: Status = "busy" if code == "lock_held" else "failed"
    return Outcome(profile, company, started_at, finished_at, status, error=message, error_code=code,
                   exit_code=exit_code, trigger=trigger)
