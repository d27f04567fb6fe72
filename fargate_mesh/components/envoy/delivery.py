"""Where a bootstrap that does not fit in its task definition is kept: a private S3 bucket.

render/envoy/delivery.py decides, per bootstrap, inline (`--config-yaml`) or S3. The bucket is made
only when some bootstrap goes to S3 (the shipped stacks' all fit inline), and it is:
- private: every public access blocked, ACLs disabled (bucket owner enforced);
- encrypted at rest (SSE-S3) and reachable over TLS only (a policy denies aws:SecureTransport false);
- versioned, and its objects are content-addressed (the key is the bootstrap's SHA-256): a rollback
  to an earlier task definition revision reads the object that revision names, which is still there.
Each task role may read exactly its own object (s3:GetObject on that object's ARN), nothing else.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.base import child, type_token
from fargate_mesh.render.envoy.delivery import Delivery


def object_arn(bucket: pulumi.Input[str], key: str) -> pulumi.Output[str]:
    """An S3 object's ARN from its bucket's name (S3 ARNs carry no region or account)."""
    return pulumi.Output.concat("arn:aws:s3:::", bucket, "/", key)


class BootstrapStore(pulumi.ComponentResource):
    bucket_name: pulumi.Output[str]

    def __init__(
        self, name: str, tags: Mapping[str, str], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(type_token("envoy", "BootstrapStore"), name, None, opts)
        self._name = name
        self._tags = dict(tags)
        # A generated name: bucket names are global, and the stack's name alone may be taken.
        bucket = aws.s3.Bucket(
            f"{name}-bucket", bucket_prefix=f"{name}-"[:37], tags=self._tags, opts=child(self)
        )
        self._bucket = bucket
        aws.s3.BucketPublicAccessBlock(
            f"{name}-private",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child(self),
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-owner",
            bucket=bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=child(self),
        )
        encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            opts=child(self),
        )
        versioning = aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket.id,
            versioning_configuration={"status": "Enabled"},
            opts=child(self),
        )
        policy = aws.s3.BucketPolicy(
            f"{name}-tls-only",
            bucket=bucket.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "TlsOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                }
            ),
            opts=child(self),
        )
        # Objects go in once the bucket is encrypted, versioned and closed to plain HTTP.
        self._ready: list[pulumi.Resource] = [encryption, versioning, policy]
        self.bucket_name = bucket.bucket
        self.register_outputs({"bucket_name": self.bucket_name})

    def put(self, workload: str, delivery: Delivery) -> pulumi.Output[str]:
        """Store one bootstrap under its content-addressed key; its object's ARN."""
        aws.s3.BucketObjectv2(
            f"{self._name}-{workload}",
            bucket=self._bucket.id,
            key=delivery.object_key,
            content=delivery.bootstrap_json,
            content_type="application/json",
            server_side_encryption="AES256",
            tags=self._tags,
            # Kept when a new bootstrap replaces it: the previous task definition revision reads it.
            opts=child(self, depends_on=self._ready, retain_on_delete=True),
        )
        return object_arn(self._bucket.bucket, delivery.object_key)

    def url(self, delivery: Delivery) -> pulumi.Output[str]:
        return pulumi.Output.concat("s3://", self._bucket.bucket, "/", delivery.object_key)
