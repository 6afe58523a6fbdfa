"""X.509 trust (证书信任): trust configuration, path validation, revocation, timestamps."""

from esealkit.pki.timestamps import TimestampResult, verify_timestamp_token
from esealkit.pki.trust import Trust, read_der_objects
from esealkit.pki.validation import PURPOSES, PathResult, PathValidator

__all__ = [
    "PURPOSES",
    "PathResult",
    "PathValidator",
    "TimestampResult",
    "Trust",
    "read_der_objects",
    "verify_timestamp_token",
]
