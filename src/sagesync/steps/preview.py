"""The preview ("aperçu"): what a posting would write, and the promise that posting writes exactly that.

``sagesync sync --dry-run`` checks every document and posts nothing: it writes a preview file
(JSON) listing each document that would be posted, with the content version it was checked in,
and the totals an accountant compares with the platform's sales figures: entries, HT, TVA per
VAT code, TTC. Posting "from" that preview (``sagesync invoices --preview FILE``) posts exactly
those versions: a document changed since the preview is reported and left for the next preview,
a document the preview did not list waits too.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sagesync.core.model import Document, JournalEntry, LineRole, Side
from sagesync.errors import ConfigurationError
from sagesync.i18n import _
from sagesync.storage_errors import guard_storage

PREVIEW_FORMAT = "sagesync-preview/1"


def _signed(entry: JournalEntry, role: LineRole) -> Decimal:
    """What the lines of ``role`` add up to, as the document counts them: the sides say it, so a credit
    note (411 credited, revenue and VAT debited) comes out negative."""
    total = Decimal("0.00")
    for line in entry.lines:
        if line.role is role:
            natural = Side.DEBIT if role is LineRole.CUSTOMER else Side.CREDIT
            total += line.amount if line.side is natural else -line.amount
    return total


@dataclass
class Preview:
    company: str
    created_at: str = field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))
    documents: list[dict[str, str]] = field(default_factory=list)
    vat_by_code: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: Decimal("0.00")))
    ht: Decimal = Decimal("0.00")
    vat: Decimal = Decimal("0.00")
    ttc: Decimal = Decimal("0.00")

    def add(self, document: Document, version: str, entry: JournalEntry) -> None:
        ht, ttc = _signed(entry, LineRole.REVENUE), _signed(entry, LineRole.CUSTOMER)
        vat = _signed(entry, LineRole.VAT)
        for line in entry.lines:
            if line.role is LineRole.VAT:
                self.vat_by_code[line.vat_code] += line.amount if line.side is Side.CREDIT else -line.amount
        self.ht, self.vat, self.ttc = self.ht + ht, self.vat + vat, self.ttc + ttc
        self.documents.append({"source_id": document.source_id, "number": document.number, "version": version,
                               "date": document.issue_date.isoformat(), "kind": document.kind.value,
                               "ht": str(ht), "tva": str(vat), "ttc": str(ttc)})

    def versions(self) -> dict[str, str]:
        return {row["source_id"]: row["version"] for row in self.documents}

    def as_dict(self) -> dict[str, object]:
        return {"format": PREVIEW_FORMAT, "company": self.company, "created_at": self.created_at,
                "entries": len(self.documents), "ht": str(self.ht), "tva": str(self.vat), "ttc": str(self.ttc),
                "tva_by_code": {code: str(amount) for code, amount in sorted(self.vat_by_code.items())},
                "documents": self.documents}

    def write(self, path: Path) -> Path:
        with guard_storage(path, _("preview")):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(self.as_dict(), indent=1, ensure_ascii=False), encoding="utf-8")
        return path


def read_preview(path: Path, company: str) -> dict[str, str]:
    """source id -> version of the documents a preview file promises to post."""
    try:
        with guard_storage(path, _("preview")):
            data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        data = None
    if not isinstance(data, dict) or data.get("format") != PREVIEW_FORMAT or not isinstance(data.get("documents"),
                                                                                            list):
        raise ConfigurationError(_("{path} is not a sagesync preview: make one with `sagesync sync --dry-run`")
                                 .format(path=path))
    if data.get("company") != company:
        raise ConfigurationError(_("the preview {path} is of company {other}, not {company}: make a preview of "
                                   "this company first").format(path=path, other=data.get("company"),
                                                                company=company))
    return {str(row["source_id"]): str(row["version"]) for row in data["documents"]
            if isinstance(row, dict) and "source_id" in row and "version" in row}


def latest_preview(folder: Path) -> Path:
    """The newest preview file of a profile's reports folder (the console posts the one it showed)."""
    found = sorted(folder.glob("preview-*.json"), key=lambda path: path.stat().st_mtime_ns) if folder.is_dir() else []
    if not found:
        raise ConfigurationError(_("no preview yet: make one first (Preview, or `sagesync sync --dry-run`)"))
    return found[-1]
