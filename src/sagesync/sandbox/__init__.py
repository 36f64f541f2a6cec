"""The sandbox platform: a local server speaking the OOTI wire format, seeded with the sample firm."""

from sagesync.sandbox.faults import Faults
from sagesync.sandbox.samplefirm import DEMO_EMAIL, DEMO_PASSWORD, sample_firm_path
from sagesync.sandbox.server import SandboxHandle, start_sandbox

__all__ = ["DEMO_EMAIL", "DEMO_PASSWORD", "Faults", "SandboxHandle", "sample_firm_path", "start_sandbox"]
