"""Unit-test a Pulumi program that uses fargate_mesh's components, without AWS or the Pulumi CLI.

    from fargate_mesh.testing import deploy

    def test_the_edge_is_https_only():
        rec = deploy(lambda: PublicEndpoint("shop", PublicEndpointArgs(...)).urn)
        (https,) = [l for l in rec.of_type("aws:lb/listener:Listener") if l["inputs"]["port"] == 443]
        assert https["inputs"]["protocol"] == "HTTPS"

The mocks answer like AWS would (ids, ARNs in AWS's formats, ALB DNS names, certificate validation
records, availability zones, caller identity ...), derived from each resource's type and name, so
two runs record the same values. Pulumi keeps its runtime state per process: `deploy` installs
fresh mocks each time unless it is given some.
"""

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
from fargate_mesh.testing.recording import Recording, deploy

__all__ = [
    "ACCOUNT",
    "ALB_ZONE_ID",
    "AZ_NAMES",
    "HOSTED_ZONE_ID",
    "REGION",
    "Recording",
    "RecordingMocks",
    "RecordingMonitor",
    "deploy",
    "set_recording_mocks",
    "unwrap_secrets",
]
