"""`sync` end to end over HTTP into the embedded company, against the physical limit measured in the same run.

    .venv/bin/python bench/bench_sync.py [--invoices 10000] [--lines 3] [--latency 0] [--faults]
                                         [--resync-invoices 100000]

Phases, each in its own process (so peak memory is the sync's alone), against one sandbox
serving a synthetic firm on 127.0.0.1 (a child process: it shares no interpreter lock):

1. **physical limit**: a minimal concurrent download of the same list pages and items (httpx,
   6 requests in flight, JSON decoded and dropped), plus a plain sqlite3 ``executemany`` of as
   many entry lines as the sync writes (5 per invoice of 3 items at 2 rates), in 50 transactions;
2. **sync**: customers, projects, check + invoices in one pass, write-back, through the real
   client into a new embedded company and ledger; time, peak RSS, requests served;
3. **re-sync, nothing changed**: the same sync again: requests served and time;
4. with ``--faults``: the sync again into a fresh company against a sandbox with issue 11's
   fault profile (20 % 5xx, 5 requests/s, 5 % cut bodies in both forms); its FEC must be
   byte-identical to the fault-free one;
5. with ``--resync-invoices N``: a company of N invoices synced once, then re-synced with
   nothing changed: the re-sync's time end to end.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

SERVER = """
import json, sys
from pathlib import Path
from sagesync.sandbox.faults import Faults
from sagesync.sandbox.server import start_sandbox
faults = Faults(**json.loads(sys.argv[3])) if sys.argv[3] != "{}" else None
handle = start_sandbox(Path(sys.argv[1]), 0, faults, latency=float(sys.argv[2]))
print(handle.base_url, flush=True)
for line in sys.stdin:
    if line.strip() == "hits":
        print(sum(handle.hits.values()), flush=True)
handle.stop()
"""

SYNC = """
import json, resource, sys, time
from datetime import date
from pathlib import Path
from sagesync.fec.export import export_fec_file
from sagesync.fec.ledger_source import LedgerFecSource
from sagesync.ledger.delivery import DeliveryDesk
from sagesync.ledger.store import Ledger
from sagesync.profiles.defaults import default_mapping
from sagesync.sage.company import init_company
from sagesync.sage.embedded_port import EmbeddedCompany
from sagesync.sources.ooti.client import OotiClient
from sagesync.sources.ooti.retry import RetryPolicy
from sagesync.steps.context import StepContext
from sagesync.steps.sync import sync
from sagesync.profiles.defaults import default_mapping

folder, base_url, user, password = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
company = folder / "company.sqlite"
if not company.exists():
    init_company(company, "BENCH").dispose()
ledger = Ledger(folder / "ledger.sqlite")
port = EmbeddedCompany(company, default_mapping())
desk = DeliveryDesk(ledger, port, "BENCH", analytic_plan="PROJET", company_key="embedded:bench")
desk.verify()
client = OotiClient(base_url, user, password, 1, 1, retry=RetryPolicy(budget=600))
context = StepContext(company="BENCH", mapping=default_mapping(), period_start=date(2020, 1, 1), source=client,
                      desk=desk, reports_dir=folder / "reports")
started = time.perf_counter()
reports = sync(context)
seconds = time.perf_counter() - started
fec = ""
if sys.argv[5] == "fec":
    source = LedgerFecSource(ledger, "BENCH", port.reference(), "732829320")
    (folder / "fec").mkdir(exist_ok=True)
    fec = str(export_fec_file(source, date(2000, 1, 1), date(2099, 12, 31), folder / "fec").path)
counts = {report.step: dict(report.counts) for report in reports}
print(json.dumps({"seconds": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "counts": counts, "retries": client.counters.summary(), "fec": fec}))
client.close()
port.close()
ledger.dispose()
"""


class Sandbox:
    def __init__(self, firm: Path, latency: float, faults: dict[str, Any]) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", SERVER, str(firm), str(latency), json.dumps(faults)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().strip()

    def hits(self) -> int:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("hits\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def raw_download(base_url: str, user: str, password: str, page_size: int = 500, in_flight: int = 6) -> float:
    """The least a client can do: log in, read every list page, then every invoice's items, 6 at a time."""
    import httpx

    started = time.perf_counter()
    with httpx.Client(base_url=base_url, timeout=60) as http:
        token = http.post("v1/token-auth/", data={"username": user, "password": password}).json()["token"]
        headers = {"Authorization": f"JWT {token}"}

        def get(path: str, params: dict[str, Any]) -> Any:
            return http.get(path, params=params, headers=headers).json()

        keys: list[int] = []
        for path, params in (("v1/clients/list/1/", {"team": 1}), ("v1/projects/list/1/1/", {}),
                             ("v1/invoices/list/1/", {"team": 1})):
            first = get(path, {**params, "page": 1, "page_size": page_size})
            pages = -(-int(first["count"]) // page_size)
            rows = list(first["results"])
            with ThreadPoolExecutor(in_flight) as pool:
                for answer in pool.map(lambda n, path=path, params=params: get(  # type: ignore[misc]
                        path, {**params, "page": n, "page_size": page_size}), range(2, pages + 1)):
                    rows += answer["results"]
            if path.startswith("v1/invoices"):
                keys = [row["pk"] for row in rows if row.get("items") is None]
        with ThreadPoolExecutor(in_flight) as pool:
            for _ in pool.map(lambda pk: get(f"v1/invoices/items/{pk}/", {"page": 1, "page_size": page_size}), keys):
                pass
    return time.perf_counter() - started


def raw_insert(folder: Path, lines: int, transactions: int = 50) -> float:
    """A plain executemany of ``lines`` entry lines of F_ECRITUREC's width, in ``transactions`` commits."""
    connection = sqlite3.connect(folder / "raw.sqlite", isolation_level=None)
    columns = 20
    connection.execute(f"create table lines ({', '.join(f'c{n}' for n in range(columns))})")
    row = tuple(["VTE", 1, "2025-01-01", "F2025-0001", "411000", "CLIENT", "Facture", "1200.00", 0, "C20",
                 "OOTI-1", None, None, 0, 0, "0", "", "", 0, 0][:columns])
    per = max(1, lines // transactions)
    started = time.perf_counter()
    for start in range(0, lines, per):
        connection.execute("begin immediate")
        connection.executemany(f"insert into lines values ({', '.join('?' * columns)})",
                               (row for _ in range(min(per, lines - start))))
        connection.execute("commit")
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def run_sync(folder: Path, sandbox: Sandbox, credentials: tuple[str, str], fec: bool = False) -> dict[str, Any]:
    before = sandbox.hits()
    answer = subprocess.run([sys.executable, "-c", SYNC, str(folder), sandbox.base_url, *credentials,
                             "fec" if fec else "-"], capture_output=True, text=True, check=False)
    if answer.returncode != 0:
        raise SystemExit(f"sync failed:\n{answer.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(answer.stdout.strip().splitlines()[-1])
    result["requests"] = sandbox.hits() - before
    return result


def firm_file(folder: Path, invoices: int, lines: int) -> tuple[Path, tuple[str, str]]:
    from sagesync.sources.files import synthetic_firm
    from sagesync.sources.ooti import wirejson

    wire = synthetic_firm(invoices, lines, seed=11).wire()
    path = folder / f"firm-{invoices}.json"
    path.write_text(wirejson.dumps(wire), encoding="utf-8")
    return path, (wire["credentials"]["username"], wire["credentials"]["password"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--faults", action="store_true", help="also sync under issue 11's fault profile")
    parser.add_argument("--resync-invoices", type=int, default=0, help="also time a no-change re-sync at this size")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        firm, credentials = firm_file(root, options.invoices, options.lines)
        sandbox = Sandbox(firm, options.latency, {})
        try:
            download = raw_download(sandbox.base_url, *credentials)
            insert = raw_insert(root, options.invoices * 5)
            limit = download + insert
            (root / "a").mkdir()
            first = run_sync(root / "a", sandbox, credentials, fec=options.faults)
            again = run_sync(root / "a", sandbox, credentials)
        finally:
            sandbox.close()
        pages = -(-options.invoices // 500)
        print(f"{options.invoices} invoices x {options.lines} items, latency {options.latency * 1000:g} ms")
        print(f"physical limit: download {download:.1f} s + insert {insert:.1f} s = {limit:.1f} s")
        print(f"sync: {first['seconds']:.1f} s = {first['seconds'] / limit:.2f}x the limit, peak RSS "
              f"{first['peak_rss_mb']:.0f} MB, {first['requests']} requests; posted "
              f"{first['counts'].get('invoices', {}).get('posted', 0)}")
        print(f"re-sync, nothing changed: {again['seconds']:.2f} s, {again['requests']} requests "
              f"({pages} invoice list pages); counts {again['counts'].get('invoices')}")
        if options.faults:
            faults = {"error_rate": 0.2, "requests_per_second": 5.0, "truncate_rate": 0.025, "cut_rate": 0.025,
                      "seed": 7}
            flaky = Sandbox(firm, options.latency, faults)
            try:
                (root / "b").mkdir()
                started = time.perf_counter()
                faulty = run_sync(root / "b", flaky, credentials, fec=True)
                wall = time.perf_counter() - started
            finally:
                flaky.close()
            same = Path(first["fec"]).read_bytes() == Path(faulty["fec"]).read_bytes()
            print(f"under faults: finished in {wall:.1f} s ({faulty['requests']} requests served), FEC "
                  f"{'identical' if same else 'DIFFERENT'}; {faulty['retries']}")
        if options.resync_invoices:
            big, big_credentials = firm_file(root, options.resync_invoices, options.lines)
            large = Sandbox(big, 0.0, {})
            try:
                (root / "c").mkdir()
                run_sync(root / "c", large, big_credentials)
                quiet = run_sync(root / "c", large, big_credentials)
            finally:
                large.close()
            print(f"re-sync of {options.resync_invoices} invoices, nothing changed: {quiet['seconds']:.2f} s, "
                  f"{quiet['requests']} requests")


if __name__ == "__main__":
    main()
