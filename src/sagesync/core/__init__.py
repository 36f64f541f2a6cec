"""The pure core: domain records, posting rules and checks. No I/O in here."""
