"""Full reads of the sample firm from a flaky sandbox: does the client finish, with the right documents?

    .venv/bin/python bench/bench_flaky_fetch.py [--tries 4] [--error-rate 0.2] [--requests-per-second 5]
                                                [--truncate-rate 0.025] [--cut-rate 0.025] [--latency 0.05]
                                                [--items-in-list] [--budget 300]

Issue 11's profile by default: 20 % server errors, 5 requests a second, 5 % truncated
bodies (half closed mid-body, half cut JSON) and 50 ms answers; items are fetched per
invoice, so a read is about 230 requests and cannot take less than ~50 s at 5 a second.
Each try uses another fault seed and prints whether it finished, whether it read
exactly what a fault-free read gives, how long it took and what the client retried.
"""

from __future__ import annotations

import argparse
import time

from sagesync.sandbox.faults import Faults
from sagesync.sandbox.server import start_sandbox
from sagesync.sources.ooti.client import OotiClient
from sagesync.sources.ooti.retry import RetryPolicy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tries", type=int, default=4)
    parser.add_argument("--error-rate", type=float, default=0.2)
    parser.add_argument("--requests-per-second", type=float, default=5)
    parser.add_argument("--truncate-rate", type=float, default=0.025)
    parser.add_argument("--cut-rate", type=float, default=0.025)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--items-in-list", action="store_true")
    parser.add_argument("--budget", type=float, default=300)
    options = parser.parse_args()

    with start_sandbox(items_in_list=options.items_in_list) as clean, OotiClient(
            clean.base_url, *clean.credentials, None, None) as client:
        expected = list(client.documents())
    finished = 0
    for seed in range(1, options.tries + 1):
        faults = Faults(error_rate=options.error_rate, requests_per_second=options.requests_per_second,
                        truncate_rate=options.truncate_rate, cut_rate=options.cut_rate, seed=seed)
        started = time.monotonic()
        with start_sandbox(faults=faults, items_in_list=options.items_in_list, latency=options.latency) as sandbox, \
                OotiClient(sandbox.base_url, *sandbox.credentials, None, None,
                           retry=RetryPolicy(budget=options.budget)) as client:
            try:
                documents = list(client.documents())
            except Exception as error:  # a benchmark reports every way a try ends
                outcome = f"stopped ({type(error).__name__}: {error})"
            else:
                same = documents == expected
                finished += same
                outcome = f"{len(documents)} documents, {'identical' if same else 'DIFFERENT'}"
            print(f"seed {seed}: {outcome} in {time.monotonic() - started:.1f} s; {client.counters.summary()}",
                  flush=True)
    print(f"{finished} of {options.tries} tries read exactly the fault-free documents")


if __name__ == "__main__":
    main()
