"""AppImage: a private ECR repository for one app and its image, built from the app's folder and
pushed with an immutable tag derived from the folder's content."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_docker_build as docker_build

from fargate_mesh.components.base import child, type_token

_SKIP_PARTS = {"__pycache__", ".pytest_cache", ".ruff_cache", ".venv", ".git"}
_ECR_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<repo>[^:@]+)"
)


def context_digest(path: Path | str) -> str:
    """A short hash of the build context's files: the same sources give the same tag, so an
    unchanged app is not pushed again (and an IMMUTABLE repository never sees a tag twice)."""
    root = Path(path)
    digest = hashlib.sha256()
    files = sorted(
        p for p in root.rglob("*") if p.is_file() and not _SKIP_PARTS.intersection(p.relative_to(root).parts)
    )
    for file in files:
        if file.suffix == ".pyc":
            continue
        digest.update(file.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def repository_arn_from_uri(image: str) -> str | None:
    """The ECR repository ARN of a private ECR image URI, so a prebuilt image can be pulled with a
    scoped permission; None for any other registry (public images need no IAM)."""
    match = _ECR_URI.match(image)
    if match is None:
        return None
    return f"arn:aws:ecr:{match['region']}:{match['account']}:repository/{match['repo']}"


def lifecycle_policy(keep_images: int) -> str:
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"keep the newest {keep_images} images",
                    "selection": {
                        "tagStatus": "any",
                        "countType": "imageCountMoreThan",
                        "countNumber": keep_images,
                    },
                    "action": {"type": "expire"},
                }
            ]
        }
    )


@dataclass(frozen=True)
class AppImageArgs:
    repository_name: str  # e.g. shop-dev/products
    context: str  # the app folder with its Dockerfile, e.g. apps/products
    keep_images: int = 20
    platform: str = "linux/amd64"  # what the task definitions run (X86_64)
    # False: `pulumi destroy` refuses to delete a repository that still holds images.
    force_delete: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)


class AppImage(pulumi.ComponentResource):
    repository_arn: pulumi.Output[str]
    repository_url: pulumi.Output[str]
    image_ref: pulumi.Output[str]  # repository:tag@sha256:digest: what task definitions run

    def __init__(self, name: str, args: AppImageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if not Path(args.context).is_dir():
            raise ValueError(f"image {name!r}: build context {args.context!r} is not a folder")
        super().__init__(type_token("images", "AppImage"), name, None, opts)
        tags = dict(args.tags)
        repository = aws.ecr.Repository(
            f"{name}-repo",
            name=args.repository_name,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration={"scan_on_push": True},
            force_delete=args.force_delete,
            tags=tags,
            opts=child(self),
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=repository.name,
            policy=lifecycle_policy(args.keep_images),
            opts=child(self),
        )
        auth = aws.ecr.get_authorization_token_output(
            registry_id=repository.registry_id, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        tag = context_digest(args.context)
        image = docker_build.Image(
            f"{name}-image",
            context={"location": args.context},
            platforms=[docker_build.Platform(args.platform)],
            push=True,
            # docker-build builds on preview by default; off, `pulumi preview` needs no Docker.
            build_on_preview=False,
            tags=[pulumi.Output.concat(repository.repository_url, ":", tag)],
            registries=[
                {
                    "address": repository.repository_url.apply(lambda url: url.split("/", 1)[0]),
                    "username": auth.user_name,
                    "password": pulumi.Output.secret(auth.password),
                }
            ],
            opts=child(self),
        )
        self.repository_arn = repository.arn
        self.repository_url = repository.repository_url
        self.image_ref = image.ref
        self.register_outputs(
            {
                "repository_arn": self.repository_arn,
                "repository_url": self.repository_url,
                "image_ref": self.image_ref,
            }
        )
