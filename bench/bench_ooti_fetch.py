"""Fetch N invoices (with their items) from the sandbox: sagesync's client vs the vendor SDK.

    .venv/bin/python bench/bench_ooti_fetch.py [--invoices 10000] [--lines 3] [--page-size 500]
                                               [--items-in-list] [--max-in-flight 6] [--latency 0.01]

The sandbox runs in a child process on 127.0.0.1 (so neither client shares its
interpreter lock with the server), serving a synthetic firm. Both clients fetch
the same thing, every invoice with every item:

- sagesync's ``OotiClient``: pages, then the items of each row that lacks them,
  ``--max-in-flight`` requests at a time over kept-alive connections; it also parses
  amounts as Decimal and maps each invoice to a domain ``Document``;
- ooti-api 1.0.3 (the test extra): ``Invoices.get_invoices_list`` page by page, then
  ``Invoices.get_invoice_items`` for each row, as its API offers (one request at a
  time, a new connection each). Same page size for both. Its CSRF call to
  app.ooti.co is redirected to the sandbox: nothing leaves the machine.

By default list rows omit items (ooti-api.md §12), so items cost one request per
invoice; ``--items-in-list`` measures the case where the list carries them.

On loopback there is no round trip to hide: both clients are bound by Python's CPU
cost per request, and the ratio mostly measures keep-alive against a new connection
per call. ``--latency`` adds a delay to every answer, as the network to
app.ooti.co does; fetching several requests at once then pays off.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sagesync.sources.files import synthetic_firm
from sagesync.sources.ooti import wirejson
from sagesync.sources.ooti.client import DEFAULT_IN_FLIGHT, OotiClient

SERVER = """
import sys, threading
from pathlib import Path
from sagesync.sandbox.server import start_sandbox
handle = start_sandbox(Path(sys.argv[1]), 0, items_in_list=sys.argv[2] == "1", latency=float(sys.argv[3]))
print(handle.base_url, flush=True)
sys.stdin.read()  # until the parent closes our stdin
handle.stop()
"""


def fetch_with_sagesync(base_url: str, credentials: tuple[str, str], page_size: int, max_in_flight: int) -> int:
    with OotiClient(base_url, *credentials, 1, 1, page_size=page_size, max_in_flight=max_in_flight) as client:
        return sum(1 for _ in client.documents())


def fetch_with_sdk(base_url: str, credentials: tuple[str, str], page_size: int) -> int:
    import requests  # the test extra
    from resources import ooti  # type: ignore[import-untyped]  # ooti-api 1.0.3, untyped

    login_page = base_url.replace("/api/", "/accounts/login/")

    class LocalSession(requests.Session):  # the SDK's only call outside its base URL
        def get(self, url: str | bytes, **options: Any) -> Any:  # type: ignore[override]
            if url != "https://app.ooti.co/accounts/login/":
                raise RuntimeError(f"unexpected SDK call to {url!r}")
            return super().get(login_page, **options)

    ooti.requests.session = LocalSession  # type: ignore[assignment]
    api = ooti.OotiAPI(*credentials, pagination=page_size)
    api.base_url = base_url
    api.connect()
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        answer = api.Invoices.get_invoices_list(page)
        if answer["status"] != 200:
            break
        rows += answer["data"]
        if len(answer["data"]) < page_size:
            break
        page += 1
    for row in rows:
        if "items" not in row:
            answer = api.Invoices.get_invoice_items(row["pk"])
            if answer["status"] != 200:
                raise RuntimeError(f"items of invoice {row['pk']}: HTTP {answer['status']}")
            row["items"] = answer["data"]["results"]
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--max-in-flight", type=int, default=DEFAULT_IN_FLIGHT)
    parser.add_argument("--items-in-list", action="store_true")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds the sandbox adds to every answer, as a network round trip would")
    arguments = parser.parse_args()

    firm = synthetic_firm(arguments.invoices, arguments.lines, seed=1)
    credentials = (firm.wire()["credentials"]["username"], firm.wire()["credentials"]["password"])
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "firm.json"
        data.write_text(wirejson.dumps(firm.wire()), encoding="utf-8")
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(data), "1" if arguments.items_in_list else "0",
                                   str(arguments.latency)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            base_url = server.stdout.readline().strip()
            print(f"sandbox {base_url}: {arguments.invoices} invoices x {arguments.lines} items, "
                  f"items {'in list rows' if arguments.items_in_list else 'fetched per invoice'}, "
                  f"page size {arguments.page_size}, latency {arguments.latency * 1000:g} ms per answer")
            started = time.perf_counter()
            ours = fetch_with_sagesync(base_url, credentials, arguments.page_size, arguments.max_in_flight)
            ours_seconds = time.perf_counter() - started
            print(f"sagesync OotiClient ({arguments.max_in_flight} in flight): {ours} documents "
                  f"in {ours_seconds:.2f} s")
            started = time.perf_counter()
            theirs = fetch_with_sdk(base_url, credentials, arguments.page_size)
            sdk_seconds = time.perf_counter() - started
            print(f"ooti-api 1.0.3:                    {theirs} invoices in {sdk_seconds:.2f} s")
            print(f"ratio: sagesync is {sdk_seconds / ours_seconds:.1f}x faster")
            if ours != theirs:
                raise SystemExit(f"the clients disagree: {ours} vs {theirs}")
        finally:
            if server.stdin is not None:
                server.stdin.close()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
