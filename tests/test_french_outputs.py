"""French by default, second pass: the run's headline, finding kinds, ledger, profile, FEC and CLI messages.

Each test reads a real output in French (no language chosen, the product's default) and, where the English
matters to a script or a support engineer, in English too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from sagesync import i18n
from sagesync.core.findings import FindingCode
from sagesync.core.labels import FINDING_LABELS, finding_label, status_label
from sagesync.interfaces.cli.render import headline
from sagesync.steps.events import RunReport, Step


@pytest.fixture
def french(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(i18n.LANGUAGE_VARIABLE, raising=False)
    yield


def _sync_reports(*, writeback: Counter[str]) -> list[RunReport]:
    check = RunReport(Step.CHECK, "ACME", counts=Counter(ready=207, blocked=5))
    invoices = RunReport(Step.INVOICES, "ACME", counts=Counter(posted=207, blocked=5, draft=1))
    return [check, invoices, RunReport(Step.WRITEBACK, "ACME", counts=writeback)]


def test_every_finding_code_has_a_label_and_french_reads_words(french: None) -> None:
    assert set(FINDING_LABELS) == set(FindingCode)
    assert finding_label("closed_period") == "période clôturée"
    assert finding_label("vat_rate_unmapped") == "taux de TVA sans code taxe"
    assert finding_label("not_a_code") == "not a code"
    with i18n.language("en"):
        assert finding_label("closed_period") == "closed period"


def test_a_run_status_is_not_a_count(french: None) -> None:
    assert (status_label("ok"), status_label("blocked"), status_label("failed")) == ("ok", "à corriger", "échec")


def test_the_headline_says_what_the_run_did_in_french(french: None) -> None:
    lines = headline(_sync_reports(writeback=Counter(kept_in_sagesync=207)))
    assert lines == ["[green]207 écritures comptabilisées[/], [red]5 documents à corriger[/]",
                     "207 statuts conservés dans sagesync (retour plateforme désactivé)"]
    sent = headline(_sync_reports(writeback=Counter(acknowledged=207, failed=1)))
    assert sent[1] == "207 statuts envoyés à la plateforme, [red]1 non envoyé (nouvel essai au prochain traitement)[/]"
    one = headline([RunReport(Step.INVOICES, "ACME", counts=Counter(posted=1))])
    assert one == ["[green]1 écriture comptabilisée[/]"]  # singular, and no red when nothing blocks


def test_the_headline_in_english(french: None) -> None:
    with i18n.language("en"):
        lines = headline(_sync_reports(writeback=Counter(kept_in_sagesync=207)))
        checked = headline([RunReport(Step.CHECK, "ACME", counts=Counter(ready=1))])
    assert lines == ["[green]207 entries posted[/], [red]5 documents to fix[/]",
                     "207 statuses kept in sagesync (write-back to the platform turned off)"]
    assert checked == ["1 invoice ready to post"]
