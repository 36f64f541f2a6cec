"""Errors, classified by what the caller must do (exit code in brackets).

    SagesyncError
    ├── ConfigurationError [2]      fix the profile, a setting or the command line
    │   ├── SecretMissingError      a password is in no keyring and no environment variable
    │   └── SetupError              the Sage company contradicts the profile (journal, plan, accounts, VAT codes)
    ├── UnreachableError [3]        the platform or the Sage company cannot be reached: retry later
    │   ├── PlatformUnreachableError
    │   ├── LoginRefusedError       401/403: the platform refused the e-mail / password
    │   ├── SourceDataError         the platform answered something we cannot read (URL and page named)
    │   ├── PaymentNotAllocatedError  a payment was created on the platform but not allocated to its invoice
    │   └── SageUnreachableError
    └── LockHeldError [4]           another run holds this company: wait for it

Per-document problems are never raised: they are findings (``sagesync.core.findings``).
"""

from __future__ import annotations


class SagesyncError(Exception):
    exit_code = 1


class ConfigurationError(SagesyncError):
    exit_code = 2


class SecretMissingError(ConfigurationError):
    pass


class SetupError(ConfigurationError):
    """A setting that the Sage company or the platform contradicts: the step stops before any document."""

    def __init__(self, message: str, problems: list[tuple[str, str, str]]) -> None:
        super().__init__(message)
        self.problems = problems  # (setting, what is wrong, how to fix it)


class UnreachableError(SagesyncError):
    exit_code = 3


class PlatformUnreachableError(UnreachableError):
    pass


class LoginRefusedError(UnreachableError):
    pass


class SourceDataError(UnreachableError):
    pass


class PaymentNotAllocatedError(UnreachableError):
    """The platform holds the new payment (``payment_id``) but not its allocation to the invoice.

    Creating it again would double it: retry only the allocation (``OotiClient.allocate_payment``).
    """

    def __init__(self, message: str, payment_id: str) -> None:
        super().__init__(message)
        self.payment_id = payment_id


class SageUnreachableError(UnreachableError):
    pass


class LockHeldError(SagesyncError):
    exit_code = 4
