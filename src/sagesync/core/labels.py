"""What a person reads for the names the code keeps: severities and the counts of a run.

The names stay English in data (JSON, the ledger, CSV codes); these are their labels, translated
where they are shown (``severity_label("blocking")`` -> "bloquant" in French).
"""

from __future__ import annotations

from sagesync.i18n import N_, _

SEVERITY_LABELS = {"blocking": N_("blocking"), "warning": N_("warning"), "info": N_("info")}

COUNT_LABELS = {
    "created": N_("created"),
    "linked_existing": N_("linked to existing"),
    "already_synced": N_("already synced"),
    "ready": N_("ready"),
    "posted": N_("posted"),
    "already_posted": N_("already posted"),
    "blocked": N_("blocked"),
    "changed": N_("changed after posting"),
    "rejected": N_("rejected"),
    "ignored_before_period": N_("ignored (before period start)"),
    "setup_problems": N_("set-up problems"),
    "acknowledged": N_("acknowledged"),
    "kept_in_sagesync": N_("kept in sagesync"),
    "failed": N_("failed"),
    "draft": N_("draft"),
}


def severity_label(severity: str) -> str:
    label = SEVERITY_LABELS.get(str(severity))
    return _(label) if label else str(severity)


def count_label(name: str) -> str:
    """A run's count in words; an unknown name (a finding code, a VAT rate) shows as it is, underscores as spaces."""
    label = COUNT_LABELS.get(name)
    return _(label) if label else name.replace("_", " ")
