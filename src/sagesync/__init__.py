"""sagesync: billing platform invoices into Sage 100, balanced and exactly once."""

__version__ = "0.1.0"
