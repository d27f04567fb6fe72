"""AppImage: a private ECR repository for one app and its image, built from the app's folder (and
any named contexts it draws on, such as a shared kit) and pushed with an immutable tag derived
from the content of everything the build reads."""

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

from fargate_mesh.components.args import raise_problems, require_plain, rule_problems
from fargate_mesh.components.base import child, type_token
from fargate_mesh.spec import Problem

# ECR's repository name rule (CreateRepository), anchored; RE2-compatible.
_REPOSITORY_NAME = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
_PLATFORMS = {p.value for p in docker_build.Platform}
_SKIP_PARTS = {"__pycache__", ".pytest_cache", ".ruff_cache", ".venv", ".git"}
# Metadata a local `pip install -e` writes into a package's folder: not a source, and the build
# ignores it (Dockerfile.dockerignore), so it must not change the tag either.
_SKIP_SUFFIXES = (".egg-info",)
_ECR_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<repo>[^:@]+)"
)


def _skipped(parts: tuple[str, ...]) -> bool:
    return bool(_SKIP_PARTS.intersection(parts)) or any(part.endswith(_SKIP_SUFFIXES) for part in parts)


def context_digest(path: Path | str) -> str:
    """A short hash of the build context's files: the same sources give the same tag, so an
    unchanged app is not pushed again (and an IMMUTABLE repository never sees a tag twice)."""
    root = Path(path)
    digest = hashlib.sha256()
    files = sorted(p for p in root.rglob("*") if p.is_file() and not _skipped(p.relative_to(root).parts))
    for file in files:
        if file.suffix == ".pyc":
            continue
        digest.update(file.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def build_digest(
    context: str,
    named_contexts: Mapping[str, str],
    dockerfile: str | None,
    build_args: Mapping[str, str],
) -> str:
    """The tag of a build: the app folder's digest alone for a self-contained build (so such an
    image keeps its tag), else a digest of every input, so a change in a shared kit or Dockerfile
    is a new tag too (an IMMUTABLE repository refuses to overwrite one)."""
    own = context_digest(context)
    if not (named_contexts or dockerfile or build_args):
        return own
    digest = hashlib.sha256(own.encode())
    for name, location in sorted(named_contexts.items()):
        digest.update(f"\0{name}={context_digest(location)}".encode())
    if dockerfile is not None:
        digest.update(b"\0dockerfile=" + Path(dockerfile).read_bytes())
    digest.update(json.dumps(dict(build_args), sort_keys=True).encode())
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
    """A private ECR repository and one image built from a local folder (and the named folders it
    draws on) and pushed to it, tagged with a hash of what the build reads (the repository's tags
    are immutable).

    Args:
        repository_name: The ECR repository's name, e.g. "shop-dev/products" (a plain value or
            an Output). Required.
        context: The local folder with the app, e.g. "apps/products". Required; a plain value,
            because its files are hashed when the program runs.
        dockerfile: The Dockerfile, if not the context's own, e.g. "apps/kit/Dockerfile".
        named_contexts: More local folders the Dockerfile reads, by name, e.g. {"kit": "apps/kit"}.
        build_args: The Dockerfile's ARG values, e.g. {"APP_PACKAGE": "products_api"}.
        keep_images: How many images the lifecycle policy keeps; older ones expire. Default 20.
        platform: The image's platform, which must match the task definitions' CPU
            architecture. Default "linux/amd64" (X86_64).
        force_delete: Let `pulumi destroy` delete the repository with its images. Default False:
            destroy refuses while images remain.
        tags: Added to the repository. Default none.
    """

    repository_name: pulumi.Input[str]
    context: str
    dockerfile: str | None = None
    named_contexts: Mapping[str, str] = field(default_factory=dict)
    build_args: Mapping[str, str] = field(default_factory=dict)
    keep_images: int = 20
    platform: str = "linux/amd64"
    force_delete: pulumi.Input[bool] = False
    tags: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require_plain(
            "AppImageArgs",
            context=self.context,
            dockerfile=self.dockerfile,
            named_contexts=self.named_contexts,
            build_args=self.build_args,
            keep_images=self.keep_images,
            platform=self.platform,
        )
        problems = rule_problems("repository_name", _check_repository_name, self.repository_name)
        folders = {
            "context": self.context,
            **{f"named_contexts.{n}": loc for n, loc in self.named_contexts.items()},
        }
        for arg, folder in folders.items():
            if not Path(folder).is_dir():
                problems.append(Problem(arg, f"build context {folder!r} is not a folder"))
        if self.dockerfile is not None and not Path(self.dockerfile).is_file():
            problems.append(Problem("dockerfile", f"{self.dockerfile!r} is not a file"))
        if (
            isinstance(self.keep_images, bool)
            or not isinstance(self.keep_images, int)
            or self.keep_images < 1
        ):
            problems.append(
                Problem("keep_images", f"must be a whole number of at least 1 (got {self.keep_images!r})")
            )
        if self.platform not in _PLATFORMS:
            problems.append(
                Problem(
                    "platform", f"{self.platform!r} is not a platform docker can build, such as 'linux/amd64'"
                )
            )
        raise_problems("AppImageArgs", problems)


def _check_repository_name(name: str) -> None:
    if not (2 <= len(name) <= 256 and _REPOSITORY_NAME.match(name)):
        raise ValueError(
            f"{name!r} must be 2-256 lowercase letters, digits and '._-', optionally with "
            "'/'-separated namespaces (ECR's rule), e.g. 'shop-dev/products'"
        )


class AppImage(pulumi.ComponentResource):
    """A private ECR repository and the app image built from a local folder (AppImageArgs). Outputs:
    repository_arn, repository_url, and image_ref (`repository:tag@sha256:digest`, what a task
    definition runs; the tag is a hash of the folder's files)."""

    repository_arn: pulumi.Output[str]
    repository_url: pulumi.Output[str]
    image_ref: pulumi.Output[str]  # repository:tag@sha256:digest: what task definitions run

    def __init__(self, name: str, args: AppImageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
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
        tag = build_digest(args.context, args.named_contexts, args.dockerfile, args.build_args)
        named = {n: docker_build.ContextArgs(location=loc) for n, loc in args.named_contexts.items()}
        image = docker_build.Image(
            f"{name}-image",
            context=docker_build.BuildContextArgs(location=args.context, named=named or None),
            dockerfile=docker_build.DockerfileArgs(location=args.dockerfile) if args.dockerfile else None,
            build_args=dict(args.build_args) or None,
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
