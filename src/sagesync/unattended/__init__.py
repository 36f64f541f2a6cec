"""Unattended runs: schedules (``sagesync schedule``, ``sagesync serve``), alerts, and the worker queue.

Pure parts (no I/O): ``schedule`` (when a profile runs next), ``outcome`` (what a run means for a
person), ``compose`` (the message that says so). The rest is thin: ``state`` (the last outcome of
each profile, a small JSON file), ``mail`` and ``webhook`` (sending), ``notify`` (settings, secrets,
one message per run), ``runner`` (one sync under the company lock, its outcome recorded and told),
``serve`` (the loop of one machine) and ``queue`` (Procrastinate on PostgreSQL, many machines).
"""
