from __future__ import annotations

from tests.sources.netguard import loopback_only

__all__ = ["loopback_only"]
