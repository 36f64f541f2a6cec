"""Many companies on the job queue: N companies of M documents synced by 1, 2 and 4 workers.

    .venv/bin/python bench/bench_workers.py [--companies 8] [--documents 200] [--lines 3]
                                            [--workers 1,2,4] [--latency 0] [--queue-url URL]

Each company is a profile with its own embedded Sage company and ledger, fed by one sandbox
platform (a child process, serving a synthetic firm of M invoices on 127.0.0.1) through the real
HTTP client. For each worker count: a fresh queue database (a throwaway PostgreSQL cluster made
with Debian's binaries, or ``--queue-url``'s server), fresh companies, every company queued at
once, then W ``sagesync worker`` processes started; the clock stops when every company's run is
recorded. Reported:

- total time (first worker started -> last run recorded) and documents posted per second;
- the share of the workers' time spent outside the syncs themselves ("queue share"): W x wall time
  minus the sum of the runs' own durations, over W x wall time. It holds everything that is not a
  sync: the worker's start (Python and imports), fetching jobs from PostgreSQL, and the tail where
  some workers have nothing left while the last runs finish;
- the queue's own cost per job: the same, less the start-up, divided by the jobs.

The issue's full size is ``--companies 200 --documents 500`` (100 000 documents per worker count;
about an hour on this 2-core machine, so not the default).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

SERVER = """
import sys
from pathlib import Path
from sagesync.sandbox.server import start_sandbox
handle = start_sandbox(Path(sys.argv[1]), 0, latency=float(sys.argv[2]))
print(handle.base_url, flush=True)
sys.stdin.read()
handle.stop()
"""


def firm_file(folder: Path, documents: int, lines: int) -> tuple[Path, dict[str, Any]]:
    from sagesync.sources.files import synthetic_firm
    from sagesync.sources.ooti import wirejson

    wire = synthetic_firm(documents, lines, seed=14).wire()
    path = folder / "firm.json"
    path.write_text(wirejson.dumps(wire), encoding="utf-8")
    return path, wire


def make_profiles(folder: Path, count: int, base_url: str, wire: dict[str, Any]) -> list[str]:
    from sagesync.profiles.model import Profile, defaults_table
    from sagesync.profiles.store import ProfileStore
    from sagesync.sage.company import init_company

    store = ProfileStore()
    names = []
    for index in range(count):
        name = f"co-{index:04d}"
        company = folder / "companies" / f"{name}.sqlite"
        company.parent.mkdir(parents=True, exist_ok=True)
        init_company(company, f"SOCIETE {index:04d}").dispose()
        table = defaults_table()
        table.update({"sage_company": f"SOCIETE {index:04d}", "period_start": "2020-01-01",
                      "sage_location": f"embedded:{company}",
                      "platform": {**table["platform"], "base_url": base_url,
                                   "email": wire["credentials"]["username"], "organization_id": 1, "team_id": 1}})
        store.add(Profile.from_table(name, table))
        os.environ[f"SAGESYNC_{name.upper().replace('-', '_')}_PLATFORM_PASSWORD"] = wire["credentials"]["password"]
        names.append(name)
    return names


def fresh_database(admin_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def run_round(workers: int, companies: int, base_url: str, wire: dict[str, Any], admin_url: str,
              root: Path) -> dict[str, Any]:
    from sagesync.profiles.store import ProfileStore
    from sagesync.unattended.queue import Queue
    from sagesync.unattended.state import StateStore

    folder = root / f"w{workers}"
    os.environ["SAGESYNC_CONFIG_DIR"] = str(folder / "config")
    os.environ["SAGESYNC_DATA_DIR"] = str(folder / "data")
    names = make_profiles(folder, companies, base_url, wire)
    url = fresh_database(admin_url, f"bench_w{workers}")
    queue = Queue(url)
    queue.ensure_schema()
    store = ProfileStore()
    queued = queue.enqueue([store.get(name) for name in names])
    assert all(job is not None for _name, job in queued)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    started = time.perf_counter()
    processes = [subprocess.Popen([sys.executable, "-c", "from sagesync.interfaces.cli.app import main; main()",
                                   "--lang", "en", "worker", "--queue-url", url, "--name", f"w{index}"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for index in range(workers)]
    states = StateStore()
    try:
        pending = set(names)
        while pending:
            time.sleep(0.2)
            pending = {name for name in pending if states.load(name).last is None}
            if any(process.poll() is not None for process in processes):
                raise SystemExit("a worker stopped:\n" + "".join(p.stderr.read() for p in processes if p.stderr))
        wall = time.perf_counter() - started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
    outcomes = [states.load(name).last for name in names]
    assert all(outcome is not None for outcome in outcomes)
    runs = [(outcome.finished_at - outcome.started_at).total_seconds() for outcome in outcomes if outcome]
    posted = sum(outcome.posted for outcome in outcomes if outcome)
    statuses = sorted({outcome.status for outcome in outcomes if outcome})
    first_start = min(outcome.started_at for outcome in outcomes if outcome)
    last_end = max(outcome.finished_at for outcome in outcomes if outcome)
    busy_span = (last_end - first_start).total_seconds()
    return {"workers": workers, "companies": companies, "posted": posted, "statuses": statuses,
            "wall_seconds": round(wall, 2), "documents_per_second": round(posted / wall, 1),
            "runs_seconds_sum": round(sum(runs), 2), "mean_run_seconds": round(sum(runs) / len(runs), 3),
            "queue_share": round(1 - sum(runs) / (workers * wall), 3),
            "queue_share_after_start": round(max(0.0, 1 - sum(runs) / (workers * busy_span)), 3),
            "queue_seconds_per_job": round(max(0.0, workers * busy_span - sum(runs)) / len(runs), 3),
            "startup_seconds": round(wall - busy_span, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--companies", type=int, default=8)
    parser.add_argument("--documents", type=int, default=200, help="invoices per company")
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every platform answer")
    parser.add_argument("--queue-url", default="", help="a PostgreSQL server's postgres database URL (default: a "
                                                        "throwaway cluster)")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    counts = [int(text) for text in options.workers.split(",")]
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        firm, wire = firm_file(root, options.documents, options.lines)
        sandbox = subprocess.Popen([sys.executable, "-c", SERVER, str(firm), str(options.latency)],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                   env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        assert sandbox.stdout is not None and sandbox.stdin is not None
        base_url = sandbox.stdout.readline().strip()
        cluster = None
        try:
            if options.queue_url:
                admin_url = options.queue_url
            else:
                from tests.unattended.pgcluster import PgCluster

                cluster = PgCluster.start("bench")
                admin_url = cluster.admin_url()
            results = [run_round(count, options.companies, base_url, wire, admin_url, root) for count in counts]
        finally:
            sandbox.stdin.close()
            sandbox.wait(timeout=30)
            if cluster is not None:
                cluster.stop()
    if options.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{options.companies} companies x {options.documents} documents ({options.lines} lines), "
          f"latency {options.latency * 1000:g} ms, {os.cpu_count()} cores, {datetime.now():%Y-%m-%d %H:%M}")
    base = results[0]["documents_per_second"]
    for result in results:
        print(f"{result['workers']} worker(s): {result['wall_seconds']:.1f} s, {result['posted']} documents posted "
              f"({result['documents_per_second']:.0f}/s, x{result['documents_per_second'] / base:.2f}), "
              f"mean run {result['mean_run_seconds']:.2f} s, queue share {result['queue_share'] * 100:.1f} % "
              f"({result['queue_share_after_start'] * 100:.1f} % after start-up {result['startup_seconds']:.1f} s; "
              f"{result['queue_seconds_per_job'] * 1000:.0f} ms per job), outcomes {result['statuses']}")
    best = max(results, key=lambda result: result["documents_per_second"])
    per_company = results[0]["wall_seconds"] / options.companies
    print(f"one worker: {per_company:.2f} s per company of {options.documents} documents -> about "
          f"{int(8 * 3600 / per_company)} such companies in an 8-hour night; best throughput "
          f"{best['documents_per_second']:.0f} documents/s with {best['workers']} workers")


if __name__ == "__main__":
    main()
