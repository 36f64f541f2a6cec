"""Junk in, our errors or findings out: the contract of every reader of sagesync.

Each reader gets the same junk (empty, random bytes, NUL bytes, truncated valid content,
huge numbers, structures nested thousands deep, wrong types, invalid UTF-8, CP850 where
UTF-8 is expected, a folder where a file is expected, a SQLite file of another
application). The only answers accepted are a ``SagesyncError`` (a classified error with
its exit code) or a result, whose bad records are ``Rejected`` with findings: never a
``ValueError``, a ``RecursionError``, a ``sqlite3.DatabaseError`` or any other exception.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagesync.core.checks import Verdict, check_document
from sagesync.core.findings import FindingCode
from sagesync.core.model import Customer, Document, DocumentLine, Project, VatSubtotal
from sagesync.errors import ConfigurationError, SagesyncError
from sagesync.fec.check import inspect_fec
from sagesync.profiles.store import ProfileStore
from sagesync.sage.company import init_company, open_company
from sagesync.sage.export_reader import read_export_reference
from sagesync.sage.flagfile.learn import learn_format
from sagesync.sage.flagfile.parser import parse_flag_file, pieces
from sagesync.sage.reader import read_company_reference
from sagesync.sources.base import Rejected
from sagesync.sources.files import FileSource
from sagesync.sources.ooti.payloads import customer_from_payload, document_from_payload, project_from_payload
from sagesync.storage_errors import guard_storage, probe_sqlite
from tests.builders import check_context, document, line
from tests.fec.fec_helpers import entries_of
from tests.fec.fec_helpers import write as write_fec_bytes
from tests.sage.flagfile.test_export_reader import EXPORT

SAMPLE_FIRM = Path(__file__).parents[1] / "src" / "sagesync" / "sandbox" / "data" / "sample_firm.json"
DEEP = 20_000

VALID_PROFILES = b"""[profiles.acme]
sage_company = "ACME"
period_start = 2025-01-01
sage_user = "<Administrateur>"
sage_location = 'C:\\\\Sage\\\\ACME.mae'
sales_journal = "VTE"
analytic_plan = "PROJET"
analytic_level = "Production cost"

[profiles.acme.platform]
email = "compta@acme.fr"

[profiles.acme.accounts]
collective = "411000"
vat_regime = "debits"
"""


def foreign_sqlite(folder: Path) -> bytes:
    """The bytes of another application's SQLite database."""
    path = folder / "music.db"
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE songs (id INTEGER PRIMARY KEY, title TEXT)")
        connection.execute("INSERT INTO songs (title) VALUES ('Gymnopédie')")
        connection.commit()
    data = path.read_bytes()
    path.unlink()
    return data


def junk_for(valid: bytes, folder: Path) -> dict[str, bytes]:
    """The same junk for every reader, some of it made from the reader's own valid content."""
    rng = random.Random(20250101)
    text = valid.decode("utf-8", "replace")
    return {
        "empty": b"",
        "random bytes": rng.randbytes(4096),
        "NUL bytes": b"\x00" * 4096,
        "truncated (half)": valid[: len(valid) // 2],
        "truncated (last bytes)": valid[:-3],
        "huge numbers": b"9" * 100_000 + b"\n" + b"1e999999999\n-1E+30\nNaN\n",
        "deep brackets": b"[" * DEEP + b"]" * DEEP,
        "deep TOML": b"a = " + b"[" * DEEP + b"]" * DEEP + b"\n",
        "deep JSON object": b'{"a":' * DEEP + b"1" + b"}" * DEEP,
        "invalid UTF-8": b"\xff\xfe\xc3\x28\xa0\xa1" + valid,
        "CP850 where UTF-8 expected": (text + "\nSociété Générale, débours, Zürich\n").encode("cp850", "replace"),
        "UTF-16": text.encode("utf-16"),
        "another application's SQLite": foreign_sqlite(folder),
        "a Sage company where something else is expected": (folder / "company.sqlite").read_bytes()
        if (folder / "company.sqlite").exists() else b"",
    }


@pytest.fixture(scope="module")
def workshop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("junk")
    init_company(folder / "company.sqlite", "JUNK").dispose()
    return folder


def cases(workshop: Path, valid: bytes) -> Iterator[tuple[str, Path]]:
    """(name, path) of every junk file, then a folder and a path under a file."""
    for name, data in junk_for(valid, workshop).items():
        path = workshop / f"{abs(hash((name, valid))) % 10**12}.junk"
        path.write_bytes(data)
        yield name, path
    yield "a folder where a file is expected", workshop
    yield "a path under a file", workshop / "company.sqlite" / "inside.txt"
    yield "a missing file", workshop / "nowhere" / "missing.txt"


def accepts_only_our_errors(read: Callable[[Path], object], workshop: Path, valid: bytes) -> None:
    problems: list[str] = []
    for name, path in cases(workshop, valid):
        try:
            read(path)
        except SagesyncError as error:
            if not str(error).strip():
                problems.append(f"{name}: {type(error).__name__} without a message")
        except BaseException as error:  # the point of the contract: nothing else may escape
            problems.append(f"{name}: {type(error).__name__}: {str(error)[:200]}")
    assert not problems, "\n".join(problems)


def _records(items: Iterator[object]) -> list[object]:
    found = list(items)
    assert all(isinstance(item, Customer | Project | Document | Rejected) for item in found)
    return found


# --- file readers ------------------------------------------------------------------------------


def test_the_flag_file_parser(workshop: Path) -> None:
    def read(path: Path) -> None:
        parsed = parse_flag_file(path)
        pieces(parsed, source=str(path))

    accepts_only_our_errors(read, workshop, EXPORT)


def test_the_sage_export_reader_and_learning_a_format(workshop: Path) -> None:
    accepts_only_our_errors(lambda path: read_export_reference(path, journal="VTE", plan="PROJET"), workshop, EXPORT)
    accepts_only_our_errors(learn_format, workshop, EXPORT)


def test_the_fec_checker(workshop: Path) -> None:
    valid, _ = write_fec_bytes(entries_of(document(line("100.00"))))
    accepts_only_our_errors(inspect_fec, workshop, valid)


def test_the_profile_loader(workshop: Path) -> None:
    def read(path: Path) -> None:
        store = ProfileStore(path)
        store.listing()
        store.get("acme")

    accepts_only_our_errors(read, workshop, VALID_PROFILES)


def test_the_firm_file_source(workshop: Path) -> None:
    def read(path: Path) -> None:
        source = FileSource(path)
        _records(source.customers())
        _records(source.projects())
        _records(source.documents())

    accepts_only_our_errors(read, workshop, SAMPLE_FIRM.read_bytes())


def test_the_embedded_company_open_and_its_reference(workshop: Path) -> None:
    def read(path: Path) -> None:
        engine = open_company(str(path))
        try:
            with engine.connect() as connection:
                read_company_reference(connection, journal="VTE", plan="PROJET")
        finally:
            engine.dispose()

    accepts_only_our_errors(read, workshop, (workshop / "company.sqlite").read_bytes())


def test_a_sqlite_file_with_the_sage_table_names_but_other_columns_is_a_configuration_error(tmp_path: Path) -> None:
    from sagesync.sage.schema import SAGE_TABLES

    path = tmp_path / "lookalike.sqlite"
    with closing(sqlite3.connect(path)) as connection:
        for table in SAGE_TABLES:
            connection.execute(f'CREATE TABLE "{table.name}" (x)')
        connection.commit()
    engine = open_company(str(path))
    try:
        with pytest.raises(ConfigurationError, match="without sagesync's tables") as raised, engine.connect() as c:
            read_company_reference(c, journal="VTE", plan="PROJET")
    finally:
        engine.dispose()
    assert str(path) in str(raised.value)


# --- the guard the ledger uses -----------------------------------------------------------------


def test_the_storage_guard_on_a_plain_sqlite_open_of_junk(workshop: Path) -> None:
    def read(path: Path) -> None:
        with guard_storage(path, "ledger"), closing(sqlite3.connect(path)) as connection:
            connection.execute("SELECT value FROM ledger_info").fetchall()

    accepts_only_our_errors(read, workshop, b"")


def test_probing_names_the_damaged_file(workshop: Path) -> None:
    for name, path in cases(workshop, b"SQLite format 3\x00"):
        problem = probe_sqlite(path, "ledger", tables=("ledger_info",))
        assert problem is not None, name
        assert isinstance(problem, ConfigurationError), name
        assert str(path) in str(problem) or "is a file where a folder is expected" in str(problem), name


def test_the_ledger_opened_on_junk(workshop: Path) -> None:
    from sagesync.ledger.store import Ledger

    def read(path: Path) -> None:
        Ledger(path).dispose()

    accepts_only_our_errors(read, workshop, b"")


# --- payload mapping ---------------------------------------------------------------------------


def junk_values(depth: int = 3) -> st.SearchStrategy[object]:
    scalars: st.SearchStrategy[object] = st.one_of(
        st.none(), st.booleans(), st.integers(), st.sampled_from([10**30, -(10**40), 2**63]),
        st.just(5000).map(lambda digits: 10**digits),  # beyond int -> str conversion; hypothesis cannot repr it
        st.floats(), st.decimals(), st.sampled_from([Decimal("1e30"), Decimal("NaN"), Decimal("-Infinity"),
                                                     Decimal("1E-999999"), Decimal("123456789012345678.5")]),
        st.text(max_size=30), st.sampled_from(["1e30", "NaN", "inf", "0001-01-01", "9999-12-31", "31-02-2025",
                                               "²", "١٢٣", "0001-01-01T00:00:00+05:00", "x" * 20_000, "\x00",
                                               "1" * 5000]),
        st.binary(max_size=10),
    )
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.text(max_size=8), inner, max_size=3), max_leaves=8)


ITEM: dict[str, object] = {"amount": "100.00", "kind": "fees", "description": "Honoraires"}
INVOICE: dict[str, object] = {"pk": 7, "type": 1, "code": "F2025-0007", "is_valid": True, "invoice_date": "15-03-2025",
           "due_date": "14-04-2025", "client": "c1", "project": "p1", "currency": "EUR", "amount": "100.00",
           "tax": "20.00", "total": "120.00", "multi_tax_enabled": False, "tax_rate": "20",
           "updated_at": "2025-03-15T10:00:00Z",
           "items": [ITEM]}
CLIENT = {"pk": 1, "name": "Dupont", "number": "DUPONT"}
PROJECT = {"id": 1, "project_title": "Musée", "code": "PRJ001", "client": 1}
JUNK_SETTINGS = settings(max_examples=300, derandomize=True, deadline=None,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def map_and_check(payload: object, items: object) -> None:
    result = document_from_payload(payload, items, {1: "EUR"})
    assert isinstance(result, Document | Rejected)
    if isinstance(result, Document):
        check_document(result, check_context(), version="v1")


@JUNK_SETTINGS
@given(payload=junk_values())
def test_any_payload_maps_to_a_record_or_a_rejected(payload: object) -> None:
    assert isinstance(customer_from_payload(payload), Customer | Rejected)
    assert isinstance(project_from_payload(payload), Project | Rejected)
    map_and_check(payload, payload)


@JUNK_SETTINGS
@given(data=st.data(), field=st.sampled_from(sorted(INVOICE)), value=junk_values())
def test_one_junk_field_in_a_valid_invoice_is_a_finding_on_that_invoice(data: st.DataObject, field: str,
                                                                        value: object) -> None:
    invoice: dict[str, Any] = {**INVOICE, field: value}
    map_and_check(invoice, invoice.get("items"))
    item = {**ITEM, data.draw(st.sampled_from(["amount", "kind", "description", "tax_rate"])): value}
    map_and_check({**INVOICE, "items": [item]}, [item])
    for kind, base in (("client", CLIENT), ("project", PROJECT)):
        mapped = (customer_from_payload if kind == "client" else project_from_payload)({**base, field: value})
        assert isinstance(mapped, Customer | Project | Rejected)


def deep(levels: int) -> object:
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize("field", ["pk", "amount", "currency", "invoice_date", "is_valid", "type", "items", "code"])
def test_a_field_nested_thousands_deep_is_a_finding(field: str) -> None:
    invoice = {**INVOICE, field: deep(50_000)}
    result = document_from_payload(invoice, invoice["items"], {})
    assert isinstance(result, Rejected)
    assert any(finding.field.startswith(field) or field == "items" for finding in result.findings)


@pytest.mark.parametrize(("field", "value", "named"), [
    ("amount", "1e30", "more than the 18 digits"),
    ("total", Decimal("1e30"), "more than the 18 digits"),
    ("tax", "NaN", "not a finite amount"),
    ("amount", "100.001", "2 decimal places"),
    ("amount", "100.0000001", "6 decimal places"),
    ("invoice_date", "01-01-1801", "outside the dates Sage holds"),
    ("due_date", "9999-12-31", "outside the dates Sage holds"),
    ("code", "F" * 20_000, "characters long"),
    ("pk", 10**40, "more than 18 digits"),
])
def test_a_value_sage_cannot_hold_rejects_that_document_naming_the_field_and_the_fix(field: str, value: object,
                                                                                     named: str) -> None:
    result = document_from_payload({**INVOICE, field: value}, INVOICE["items"], {})
    assert isinstance(result, Rejected)
    (finding,) = [finding for finding in result.findings if finding.field == field]
    assert finding.code is FindingCode.SOURCE_FIELD_INVALID
    assert named in finding.message
    assert finding.fix and len(finding.document) <= 80


def test_one_huge_amount_rejects_its_invoice_and_the_others_go_on() -> None:
    invoices = [{**INVOICE, "pk": n, "code": f"F2025-{n:04d}"} for n in range(25)]
    invoices[12] = {**invoices[12], "amount": "1e30", "items": [{**ITEM, "amount": "1e30"}]}
    results = [document_from_payload(invoice, invoice["items"], {}) for invoice in invoices]
    verdicts = [check_document(result, check_context(), version="v1").verdict.value for result in results
                if isinstance(result, Document)]
    assert [type(result).__name__ for result in results].count("Rejected") == 1
    assert isinstance(results[12], Rejected) and results[12].label == "invoice F2025-0012"
    assert verdicts == ["ready"] * 24


def test_the_checks_turn_amounts_beyond_any_computation_into_a_finding() -> None:
    # Built by hand, as a source that skipped the payload mapping would: no decimal error may escape the checks.
    huge = replace(document(line("100.00")), lines=(DocumentLine("Honoraires", Decimal("1e30"), Decimal("1e30")),),
                   vat_subtotals=(VatSubtotal(Decimal("1e30"), Decimal("1e30"), Decimal("1e40")),),
                   total_excl_vat=Decimal("1e30"), total_vat=Decimal("1e40"), total_incl_vat=Decimal("1e40"))
    assert check_document(huge, check_context(), version="v1").verdict is Verdict.BLOCKED
    # Each amount fits Sage, its value in euros does not: a finding, not an InvalidOperation.
    foreign = document(line("999999999999999999.00"), currency="USD", rate="999999999")
    result = check_document(foreign, check_context(), version="v1")
    assert result.verdict is Verdict.BLOCKED
    assert [finding.code for finding in result.findings if finding.blocks] == [FindingCode.NOT_POSTABLE]


HUGE = (10 ** 5000, -(10 ** 5000), Decimal("1e999999"), "9" * 5000, float("nan"), [[[]]], {"a": {}})
PAYMENT = {"pk": 70001, "date": "02-04-2025", "amount": "100.00", "currency": 1, "currency_rate": None, "type": "V",
           "invoice": 7, "team": 1, "project": 1}


@pytest.mark.parametrize("value", HUGE, ids=lambda value: type(value).__name__)
@pytest.mark.parametrize("field", sorted(INVOICE))
def test_a_huge_or_odd_value_in_any_invoice_field_is_a_finding_never_an_error(field: str, value: object) -> None:
    map_and_check({**INVOICE, field: value}, INVOICE["items"])


@pytest.mark.parametrize("value", HUGE, ids=lambda value: type(value).__name__)
@pytest.mark.parametrize("field", sorted(PAYMENT))
def test_a_huge_or_odd_value_in_any_payment_field_is_a_rejected_payment_never_an_error(field: str,
                                                                                      value: object) -> None:
    from sagesync.core.payments import Payment
    from sagesync.sources.ooti.payloads import payment_from_payload

    result = payment_from_payload({**PAYMENT, field: value}, {1: "EUR"})
    assert isinstance(result, Payment | Rejected)
    if isinstance(result, Rejected):
        assert all(finding.fix and finding.message for finding in result.findings)
