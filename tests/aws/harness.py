"""The recording mocks, shipped as fargate_mesh.testing; kept importable from here for the tests."""

from fargate_mesh.testing.mocks import (
    ACCOUNT,
    ALB_ZONE_ID,
    AZ_NAMES,
    HOSTED_ZONE_ID,
    REGION,
    RecordingMocks,
    RecordingMonitor,
    set_recording_mocks,
    unwrap_secrets,
)

__all__ = [
    "ACCOUNT",
    "ALB_ZONE_ID",
    "AZ_NAMES",
    "HOSTED_ZONE_ID",
    "REGION",
    "RecordingMocks",
    "RecordingMonitor",
    "set_recording_mocks",
    "unwrap_secrets",
]
