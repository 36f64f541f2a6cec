"""The FEC (Fichier des écritures comptables): its writer, its checker, and both of its sources.

- ``writer``: the legal file and its description, streamed;
- ``check``, ``fields``, ``numbering``: the validator, rule by rule;
- ``ledger_source`` (what sagesync posted) and ``company_source`` (the whole embedded company);
- ``export``: one export path for the CLI and the console.
"""
