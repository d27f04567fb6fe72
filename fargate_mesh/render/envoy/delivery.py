"""How a rendered bootstrap reaches its Envoy container: inline in the task definition, or from S3.

Facts this rests on:
- A task definition is at most 64 KiB, and that quota cannot be raised ("Task definition size ... 64
  ... The maximum size, in KiB, of a task definition";
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html). AWS does not say
  how it measures it; we count the bootstrap as it appears in a RegisterTaskDefinition request: a JSON
  string inside the container's `command`, so every `"` and `\\` costs one byte more.
- Envoy accepts its whole bootstrap on the command line (`--config-yaml`; JSON is YAML)
  (https://www.envoyproxy.io/docs/envoy/v1.40.0/operations/cli). Linux allows
  128 KiB for one argument (MAX_ARG_STRLEN), above anything that fits inline.
- SSM parameters hold at most 4 KB (standard) or 8 KB (advanced)
  (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html),
  smaller than the bootstraps this module is for; hence S3.

The choice:
- Inline (`--config-yaml '<json>'`) when the escaped bootstrap is at most INLINE_LIMIT_BYTES: one
  artefact per task, nothing to fetch, no IAM for it; a new bootstrap is a new task definition
  revision, so ECS rolls it out (and rolls it back) like any other change.
- Otherwise from S3: the renderer uploads the bootstrap to `object_key`, which names its content
  (SHA-256), and an init container copies it to a volume shared with Envoy, which reads it with
  `-c BOOTSTRAP_PATH` and starts only after the copy succeeded (`dependsOn` ... `SUCCESS`). The key
  changes with the content, so the task definition still changes with the bootstrap; the old object
  must stay, because a rollback runs the previous revision, which reads the previous object. The
  task role may read exactly that object (s3:GetObject on its ARN).

INLINE_LIMIT_BYTES leaves RESERVED_BYTES of the 64 KiB for everything else in the task definition:
the app container (image, environment, ports, health check), the lifecycle wrapper and health check
(lifecycle.py, under 2 KiB together), log configuration and the task's own fields. Pass the measured
size of the rest as `reserved_bytes` when it is known.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

TASK_DEFINITION_LIMIT_BYTES = 64 * 1024
RESERVED_BYTES = 16 * 1024
INLINE_LIMIT_BYTES = TASK_DEFINITION_LIMIT_BYTES - RESERVED_BYTES
BOOTSTRAP_PATH = "/etc/envoy/bootstrap/envoy.json"  # on the volume the init container writes
S3_KEY_PREFIX = "envoy-bootstrap/"

Mode = Literal["inline", "s3"]


@dataclass(frozen=True)
class Delivery:
    mode: Mode
    bootstrap_json: str  # compact JSON: the bytes Envoy is given, inline or in the S3 object
    escaped_bytes: int  # its size as a JSON string inside the task definition
    limit_bytes: int  # the most that was allowed inline
    object_key: str  # where it goes in S3 (content-addressed); used only in "s3" mode

    @property
    def envoy_config_args(self) -> list[str]:
        """Envoy's options that load this bootstrap (lifecycle.container_command's config_args)."""
        if self.mode == "inline":
            return ["--config-yaml", self.bootstrap_json]
        return ["-c", BOOTSTRAP_PATH]


def compact_json(bootstrap: Mapping[str, Any]) -> str:
    """The bootstrap as shipped: no spaces, keys in order, so equal configs give equal bytes."""
    return json.dumps(bootstrap, separators=(",", ":"), sort_keys=True)


def escaped_size(text: str) -> int:
    """Bytes `text` takes as a JSON string value in an API request (quotes and escapes included)."""
    return len(json.dumps(text).encode("utf-8"))


def choose_delivery(bootstrap: Mapping[str, Any], reserved_bytes: int = RESERVED_BYTES) -> Delivery:
    """Inline when the escaped bootstrap fits beside `reserved_bytes` in a task definition, else S3."""
    if not 0 <= reserved_bytes < TASK_DEFINITION_LIMIT_BYTES:
        raise ValueError(
            f"reserved_bytes: {reserved_bytes} is not between 0 and {TASK_DEFINITION_LIMIT_BYTES - 1}"
        )
    text = compact_json(bootstrap)
    size = escaped_size(text)
    limit = TASK_DEFINITION_LIMIT_BYTES - reserved_bytes
    key = S3_KEY_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest() + ".json"
    return Delivery("inline" if size <= limit else "s3", text, size, limit, key)
