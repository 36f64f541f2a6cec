"""Progress events and run reports: what every interface renders the same way."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sagesync.core.findings import Finding, Severity

# Findings kept in memory per run for the report; beyond this only counts are kept
# (the ledger has them all), so a run over 100 000 documents stays small.
FINDINGS_KEPT = 10_000


class Step:
    CUSTOMERS = "customers"
    PROJECTS = "projects"
    CHECK = "check"
    INVOICES = "invoices"
    PAYMENTS = "payments"
    SETTLEMENTS = "settlements"
    WRITEBACK = "writeback"


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    step: str
    phase: str  # start, advance, finish
    done: int = 0
    total: int | None = None  # unknown while the platform pages in
    message: str = ""


EventSink = Callable[[ProgressEvent], None]


def no_events(_event: ProgressEvent) -> None:
    """The sink of callers that do not show progress."""


@dataclass
class RunReport:
    step: str
    company: str
    run_id: int = 0
    started_at: datetime = field(default_factory=datetime.now)
    finished_at: datetime | None = None
    counts: Counter[str] = field(default_factory=Counter)
    amounts: dict[str, Decimal] = field(default_factory=dict)  # money the run moved: "collected", "vat_made_due"
    findings: list[Finding] = field(default_factory=list)
    finding_counts: Counter[str] = field(default_factory=Counter)  # by finding code
    outputs: dict[str, Path] = field(default_factory=dict)
    scope: str = ""  # which documents the pass read: "full", or "changed since ..." (an incremental pass)
    preview: dict[str, object] | None = None  # a dry run's preview: what posting would write

    def add_amount(self, name: str, value: Decimal) -> None:
        self.amounts[name] = self.amounts.get(name, Decimal("0.00")) + value

    def add_findings(self, found: tuple[Finding, ...] | list[Finding]) -> None:
        for finding in found:
            self.finding_counts[finding.code.value] += 1
            if len(self.findings) < FINDINGS_KEPT:
                self.findings.append(finding)

    @property
    def blocked(self) -> int:
        return self.counts.get("blocked", 0) + self.counts.get("rejected", 0) + self.counts.get("changed", 0)

    @property
    def status(self) -> str:
        return "blocked" if self.blocked else "ok"

    @property
    def exit_code(self) -> int:
        return 1 if self.blocked else 0

    @property
    def duration_seconds(self) -> float:
        end = self.finished_at or datetime.now()
        return (end - self.started_at).total_seconds()

    def blocking_findings(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity is Severity.BLOCKING]

    def as_dict(self) -> dict[str, object]:
        return {
            "step": self.step, "company": self.company, "run_id": self.run_id,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "finished_at": self.finished_at.isoformat(timespec="seconds") if self.finished_at else None,
            "duration_seconds": round(self.duration_seconds, 3), "status": self.status,
            "counts": dict(self.counts), "findings_by_code": dict(self.finding_counts),
            **({"amounts": {name: str(value) for name, value in self.amounts.items()}} if self.amounts else {}),
            "findings": [
                {"document": f.document, "source_id": f.source_id, "field": f.field, "code": f.code.value,
                 "severity": f.severity.value, "message": f.message, "fix": f.fix} for f in self.findings],
            "outputs": {name: str(path) for name, path in self.outputs.items()},
            "scope": self.scope,
            **({"preview": {key: value for key, value in self.preview.items() if key != "documents"}}
               if self.preview is not None else {}),
        }
