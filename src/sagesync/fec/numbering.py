"""FEC numbering rules for one journal: continuous numbers, dates that follow them.

accounting-fr.md §8: EcritureNum is a continuous sequence per journal, assigned in the order
of validation, so as numbers grow neither the validation date nor the entry date goes back.
A number is read as a prefix and a trailing number (``VTE000123``, ``INV/2025/00042``); each
prefix is its own series, so a journal holding an invoice series and a credit-note series
checks both. The first number seen may be anything: an export of a period starts mid-sequence.
State: the last number and dates of each series, nothing per entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sagesync.fec.fields import ProblemCode, Report
from sagesync.i18n import _, ngettext

_NUMBER = re.compile(r"(.*?)(\d+)")


@dataclass(slots=True)
class _Series:
    sequence: int
    number: str
    entry_date: date | None
    valid_date: date | None


class JournalNumbering:
    """Follows the entries of one journal in file order and reports where the numbering breaks."""

    def __init__(self, journal_code: str, report: Report) -> None:
        self.journal_code = journal_code
        self.report = report
        self.series: dict[str, _Series] = {}
        self.unreadable_reported = False

    def follow(
        self,
        line: int,
        number: str,
        entry_date: date | None,
        valid_date: date | None,
    ) -> None:
        match = _NUMBER.fullmatch(number)
        if match is None:
            if not self.unreadable_reported:
                self.unreadable_reported = True
                self.report(
                    line,
                    "EcritureNum",
                    ProblemCode.NUMBER_UNREADABLE,
                    _("EcritureNum '{number}' does not end with a number: the continuity of journal {journal} cannot "
                      "be checked").format(number=number, journal=self.journal_code),
                )
            return
        prefix, sequence = match.group(1), int(match.group(2))
        series = self.series.get(prefix)
        if series is None:
            self.series[prefix] = _Series(sequence, number, entry_date, valid_date)
            return
        if sequence <= series.sequence:
            # Dates are not compared here: the number itself is out of place, one problem says it.
            self.report(
                line,
                "EcritureNum",
                ProblemCode.NUMBER_ORDER,
                _("entry {entry} comes after {previous} in journal {journal}: numbers must increase, and the lines "
                  "of one entry must be together").format(entry=number, previous=series.number,
                                                          journal=self.journal_code),
            )
            return
        if sequence > series.sequence + 1:
            missing = sequence - series.sequence - 1
            self.report(
                line,
                "EcritureNum",
                ProblemCode.NUMBER_GAP,
                ngettext("entry {entry} follows {previous} in journal {journal}: {count} number missing",
                         "entry {entry} follows {previous} in journal {journal}: {count} numbers missing",
                         missing).format(entry=number, previous=series.number, journal=self.journal_code,
                                         count=missing),
            )
        self._follow_dates(line, series, number, entry_date, valid_date)
        series.sequence, series.number = sequence, number
        series.entry_date = entry_date or series.entry_date
        series.valid_date = valid_date or series.valid_date

    def _follow_dates(
        self,
        line: int,
        previous: _Series,
        number: str,
        entry_date: date | None,
        valid_date: date | None,
    ) -> None:
        if entry_date and previous.entry_date and entry_date < previous.entry_date:
            self.report(
                line,
                "EcritureDate",
                ProblemCode.DATE_ORDER,
                _("entry {entry} is dated {date}, before {previous} ({previous_date}) which has a lower number in "
                  "journal {journal}").format(entry=number, date=f"{entry_date:%Y%m%d}", previous=previous.number,
                                              previous_date=f"{previous.entry_date:%Y%m%d}",
                                              journal=self.journal_code),
            )
        if valid_date and previous.valid_date and valid_date < previous.valid_date:
            self.report(
                line,
                "ValidDate",
                ProblemCode.VALIDATION_ORDER,
                _("entry {entry} was validated on {date}, before {previous} ({previous_date}): numbers follow the "
                  "order of validation").format(entry=number, date=f"{valid_date:%Y%m%d}", previous=previous.number,
                                                previous_date=f"{previous.valid_date:%Y%m%d}"),
            )
