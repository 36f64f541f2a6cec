"""One FEC export: the file, its description, and our own validator's verdict on it.

Article A47 A-1 II of the LPF asks that the FEC come with a description of its
fields, codes, character set and separators: it is written beside the file as
``<name>-description.txt`` (same encoding as the FEC), in French, for the
administration. Both `sagesync export fec` and the console export through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sagesync import __version__
from sagesync.core.siren import EXAMPLE_SIREN
from sagesync.errors import ConfigurationError
from sagesync.fec.check import FecReport, inspect_fec
from sagesync.fec.writer import FEC_COLUMNS, FecEntrySource, FecOptions, FecSummary, fec_file_name, write_fec
from sagesync.i18n import _
from sagesync.storage_errors import guard_storage

FIELD_MEANINGS = (
    "Code journal", "Libellé journal", "Numéro de l'écriture (code journal suivi d'un numéro continu par journal, "
    "attribué à la validation, jamais réutilisé)", "Date de comptabilisation (date de la facture ou de l'avoir)",
    "Numéro de compte général", "Libellé de compte général",
    "Numéro de compte auxiliaire (code client, sur la seule ligne client)", "Libellé de compte auxiliaire",
    "Référence de la pièce justificative (numéro complet de la facture ou de l'avoir)", "Date de la pièce",
    "Libellé de l'écriture", "Montant au débit", "Montant au crédit", "Lettrage (non renseigné)",
    "Date de lettrage (non renseignée)", "Date de validation de l'écriture",
    "Montant en devise, sans signe (le sens est celui de Debit / Credit) ; vide pour une ligne en euros",
    "Code ISO 4217 de la devise ; vide pour une ligne en euros",
)


@dataclass(frozen=True, slots=True)
class FecExport:
    path: Path
    description: Path
    summary: FecSummary
    report: FecReport


def description_text(name: str, siren: str, start: date, end: date, options: FecOptions,
                     summary: FecSummary) -> str:
    separator = "tabulation" if options.separator == "\t" else "barre verticale |"
    charset = "ISO-8859-15" if options.encoding == "iso-8859-15" else "UTF-8"
    lines = [
        "Description du fichier des écritures comptables (article A47 A-1 du livre des procédures fiscales)",
        "",
        f"Fichier : {name}",
        f"SIREN : {siren}",
        f"Période : du {start:%d/%m/%Y} au {end:%d/%m/%Y}",
        f"Produit par : sagesync {__version__}, le {date.today():%d/%m/%Y}",
        f"Contenu : {summary.entries} écritures, {summary.lines} lignes (en-tête non compris)",
        "",
        f"Jeu de caractères : {charset}",
        f"Séparateur de zones : {separator}",
        "Séparateur d'enregistrements : CR LF",
        "Première ligne : noms des zones",
        "Dates : AAAAMMJJ",
        "Montants : virgule décimale, sans séparateur de milliers ; chaque ligne porte un seul montant, "
        "au débit ou au crédit, l'autre zone valant 0,00",
        "",
        f"Zones ({len(FEC_COLUMNS)}) :",
        *(f"{index:>2}. {column} : {meaning}"
          for index, (column, meaning) in enumerate(zip(FEC_COLUMNS, FIELD_MEANINGS, strict=True), start=1)),
    ]
    return "\r\n".join(lines) + "\r\n"


def export_fec_file(source: FecEntrySource, start: date, end: date, folder: Path, *,
                    options: FecOptions | None = None, siren: str | None = None) -> FecExport:
    """Write the FEC of ``source`` for [start, end] into ``folder``, with its description, and check it."""
    options = options or FecOptions()
    if end < start:
        raise ConfigurationError(_("the period ends ({end}) before it starts ({start}): give the first date "
                                   "first").format(end=end, start=start))
    if not folder.is_dir():
        raise ConfigurationError(_("{folder}: no such folder; create it or choose another one").format(folder=folder))
    company_siren = siren or source.siren
    if not company_siren:
        raise ConfigurationError(_("the FEC file is named after the company's SIREN: pass --siren with its 9 digits "
                                   "(e.g. {example}) or add siren to the profile").format(example=EXAMPLE_SIREN))
    path = folder / fec_file_name(company_siren, end)
    summary = write_fec(source.fec_entries(start, end), path, account_labels=source.account_labels(),
                        tiers_names=source.tiers_names(), options=options)
    description = path.with_name(f"{path.stem}-description.txt")
    with guard_storage(description, "FEC description file"):
        description.write_bytes(description_text(path.name, company_siren, start, end, options, summary)
                                .encode(options.encoding, errors="replace"))
    return FecExport(path, description, summary, inspect_fec(path))
