"""The OOTI platform as a source: REST client, payload mapping, retries, write-back.

Wire contract and its open points: shared/reference/ooti-api.md (§10, §12).
"""

from sagesync.sources.ooti.client import DEFAULT_BASE_URL, OotiClient
from sagesync.sources.ooti.counters import RetryCounters
from sagesync.sources.ooti.payloads import (
    DEFAULT_FIELDS,
    FieldNames,
    customer_from_payload,
    document_from_payload,
    payment_from_payload,
    project_from_payload,
)
from sagesync.sources.ooti.retry import RetryCause, RetryPolicy
from sagesync.sources.ooti.writeback import (
    PatchFieldWriteback,
    PaymentSent,
    PaymentWriteback,
    WritebackValue,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_FIELDS",
    "FieldNames",
    "OotiClient",
    "PatchFieldWriteback",
    "PaymentSent",
    "PaymentWriteback",
    "RetryCause",
    "RetryCounters",
    "RetryPolicy",
    "WritebackValue",
    "customer_from_payload",
    "document_from_payload",
    "payment_from_payload",
    "project_from_payload",
]
