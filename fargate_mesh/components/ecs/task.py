"""The one way this library puts an ECS workload together: an app (or none), the data plane's proxy
(or none), the X-Ray daemon, a task role, an execution role, a log group, and the ECS service
(FargateService: private subnets, no public IP, circuit breaker with rollback).

A TaskGroup holds what the tasks of one workload share (log group, execution role, placement) and
runs one ECS service per call to `service()`: one per version of a mesh service, one for a gateway.
What a data plane adds to a task is a Proxy, so another data plane is a new Proxy, not a new task.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.args import raise_problems, require_plain, rule_problems
from fargate_mesh.components.base import child
from fargate_mesh.components.ecs import containers, iam
from fargate_mesh.components.ecs.containers import Container
from fargate_mesh.components.ecs.workload import (
    FargateService,
    FargateServiceArgs,
    LoadBalancerTarget,
    TaskPlacement,
)
from fargate_mesh.components.names import TaskNames
from fargate_mesh.facts import (
    DEFAULT_LOG_RETENTION_DAYS,
    DEFAULT_XRAY_IMAGE,
    IAM_ROLE_MANAGED_POLICIES_DEFAULT,
    IAM_ROLE_MANAGED_POLICIES_MAX,
)
from fargate_mesh.model.compiled import CompiledGateway, CompiledMesh, CompiledService
from fargate_mesh.spec import Autoscaling, Problem, TaskSize
from fargate_mesh.spec.base import check_log_retention


class Proxy(Protocol):
    """A data plane's part of a task: its containers, how the app's traffic reaches them, and what
    the task's identity may do for them. A data plane with no proxy of its own (ECS Service
    Connect) runs tasks with proxy=None."""

    def containers(self, log_configuration: Mapping[str, Any], tracing: bool) -> list[Container]:
        """The proxy's containers, logging as given, sending spans to the X-Ray daemon if tracing."""
        ...

    @property
    def app_depends_on(self) -> Sequence[Mapping[str, str]]:
        """The app container's dependsOn: what must be up before the app starts."""
        ...

    @property
    def proxy_configuration(self) -> Mapping[str, Any] | None:
        """The task definition's proxyConfiguration (traffic redirection), if any."""
        ...

    @property
    def task_statements(self) -> Sequence[iam.Statement]:
        """The task role's statements the proxy needs (X-Ray's are the task's, added when tracing)."""
        ...

    @property
    def task_role_purpose(self) -> str:
        """What the task role lets the proxy do, for the role's description."""
        ...

    @property
    def bypass_user(self) -> str | None:
        """The uid whose traffic the proxy leaves alone: the X-Ray daemon runs as it."""
        ...

    @property
    def app_environment(self) -> Mapping[str, str]:
        """What the app's environment gets from the proxy (how its calls reach it), on top of the
        compiled environment: the one place a data plane adds to it."""
        ...

    @property
    def volumes(self) -> Sequence[Mapping[str, Any]]:
        """Task volumes the proxy's containers share (ECS `volumes`), if any."""
        ...


@dataclass(frozen=True)
class Telemetry:
    """How tasks log and trace."""

    log_retention_days: int = DEFAULT_LOG_RETENTION_DAYS  # one of CloudWatch Logs' periods
    tracing: bool = True  # an X-Ray daemon in every task, and the task role may write to X-Ray
    xray_image: str = DEFAULT_XRAY_IMAGE

    @classmethod
    def of(cls, mesh: CompiledMesh) -> Telemetry:
        """The spec's logRetentionDays, tracing (its data plane's default when unsaid) and
        xrayImage: what every workload of a platform gets."""
        return cls(mesh.log_retention_days, mesh.tracing, mesh.xray_image)

    def __post_init__(self) -> None:
        require_plain("Telemetry", log_retention_days=self.log_retention_days, tracing=self.tracing)
        # The spec's own rule and message: 45 days is refused here as in a stack file.
        raise_problems(
            "Telemetry", rule_problems("log_retention_days", check_log_retention, self.log_retention_days)
        )


@dataclass(frozen=True)
class ExistingTaskResources:
    """A workload's log group, execution role and task role made elsewhere; what is not given is
    made.

    Args:
        log_group_name: A CloudWatch log group its tasks log to. Default None: one is made, named
            as the workload's, keeping logs as long as its Telemetry says.
        execution_role_arn: The role ECS starts its tasks with: it must let ECS pull the images
            and write to the log group. Default None: one is made, allowed exactly that.
        task_role_arn: The role every task of the workload runs as: each version of a service, or
            the gateway's tasks. Default None: one role per task is made (per version of a
            service), allowed exactly what its proxy needs, and no more. Given, no task role,
            inline policy or policy attachment is made for the workload; the role must trust
            `ecs-tasks.amazonaws.com` and allow what the component's `task_role_policies` (or
            `task_role_policy`) documents say, which the library can no longer grant itself.

    One task role for the whole workload, not one per version: versions of a service are the
    same app (one log group, one security group, one mesh TLS identity), and a role per version
    would make every new version a change in the stack that owns the roles. What that costs:
    each version's tasks may do what every version's proxy may (read one another's node
    configuration or bootstrap object), a loosening within one service, never across services.
    """

    log_group_name: pulumi.Input[str] | None = None
    execution_role_arn: pulumi.Input[str] | None = None
    task_role_arn: pulumi.Input[str] | None = None


@dataclass(frozen=True)
class WorkloadResources:
    """What one workload of a MeshPlatform brings of its own, or adds to what is made for it.

    Args:
        existing: Its log group, execution role and task role made elsewhere. Default none: all
            are made.
        task_policy_arns: Managed policies its app needs (label → policy ARN), attached to each
            task role made for it as `<task role>-<label>`. Default none.
    """

    existing: ExistingTaskResources = field(default_factory=ExistingTaskResources)
    task_policy_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)


# A managed policy's label names its attachment (`<task role>-<label>`), so it goes into a URN.
POLICY_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# What AttachRolePolicy takes: a managed policy's ARN (AWS's or an account's, with its path), in
# any partition. IAM's names allow letters, digits and +=,.@_- (IAM user guide, "IAM identifiers").
MANAGED_POLICY_ARN = re.compile(
    r"arn:aws(-[a-z]+)*:iam::(aws|\d{12}):policy/([\w+=,.@-]+/)*[\w+=,.@-]+", re.ASCII
)


def task_role_problems(
    existing: ExistingTaskResources, task_policy_arns: Mapping[str, pulumi.Input[str]], path: str = ""
) -> list[Problem]:
    """What is wrong with a workload's task role choices, at `path` (`""` on component args,
    `workload_resources.<name>.` on the platform's): labels that cannot name an attachment, more
    managed policies than IAM can attach to a role, and managed policies for a role the library
    does not make."""
    given: object = task_policy_arns  # from a caller that may not type-check (a list of ARNs)
    if not isinstance(given, Mapping):
        shown = type(given).__name__
        return [Problem(f"{path}task_policy_arns", f"must be a mapping of label → policy ARN, got a {shown}")]
    problems: list[Problem] = []
    bad = [
        repr(label)
        for label in task_policy_arns
        if not isinstance(label, str) or not POLICY_LABEL.fullmatch(label)
    ]
    if bad:
        problems.append(
            Problem(
                f"{path}task_policy_arns",
                f"labels must be plain text of letters, digits, '.', '_' and '-' (they name the "
                f"attachments), got {', '.join(bad)}",
            )
        )
    if len(task_policy_arns) > IAM_ROLE_MANAGED_POLICIES_MAX:
        problems.append(
            Problem(
                f"{path}task_policy_arns",
                f"{len(task_policy_arns)} managed policies: IAM attaches at most "
                f"{IAM_ROLE_MANAGED_POLICIES_MAX} to a role (quota {IAM_ROLE_MANAGED_POLICIES_DEFAULT} by "
                f"default, raised on request); combine them into fewer policies",
            )
        )
    problems += _policy_arn_problems(task_policy_arns, f"{path}task_policy_arns")
    if existing.task_role_arn is not None and task_policy_arns:
        problems.append(
            Problem(
                f"{path}task_policy_arns",
                "attach managed policies to the task role you bring (existing.task_role_arn) "
                "yourself: the library changes no role it did not make",
            )
        )
    return problems


def _policy_arn_problems(task_policy_arns: Mapping[str, pulumi.Input[str]], path: str) -> list[Problem]:
    """Plain values that are no managed policy's ARN (a policy's name, a role's ARN), and a policy
    given twice: IAM keeps one attachment per role and policy, so removing either label would
    detach what the other asks for. Outputs are IAM's to check once known."""
    problems: list[Problem] = []
    labels: dict[str, str] = {}
    for label, arn in task_policy_arns.items():
        if not isinstance(arn, str):
            continue
        if not MANAGED_POLICY_ARN.fullmatch(arn):
            problems.append(
                Problem(
                    f"{path}.{label}",
                    f"{arn!r} is not a managed policy ARN: give arn:aws:iam::aws:policy/<name> or "
                    "arn:aws:iam::<account>:policy/<path><name>",
                )
            )
        elif arn in labels:
            problems.append(
                Problem(f"{path}.{label}", f"{arn} is also given as {labels[arn]!r}; give it once")
            )
        else:
            labels[arn] = label
    return problems


def check_task_roles(owner: str, workload: Workload) -> None:
    """Refuse, in one SpecError naming `owner`'s args, task role choices that cannot be honoured."""
    raise_problems(owner, task_role_problems(workload.existing, workload.task_policy_arns))


class CompiledServiceWorkload:
    """The Workload parts a mesh service's args derive from its compiled service, on every data
    plane. These strings are live resources' inputs (log group name, role description): one copy."""

    service: CompiledService

    @property
    def log_group(self) -> str:
        return self.service.log_group

    @property
    def execution_role_description(self) -> str:
        return f"ECS pulls images and writes logs for {self.service.name}"


class CompiledGatewayWorkload:
    """The Workload parts a gateway's args derive from the compiled gateway, on every data plane."""

    gateway: CompiledGateway

    @property
    def log_group(self) -> str:
        return self.gateway.log_group

    @property
    def execution_role_description(self) -> str:
        return f"ECS writes logs for {self.gateway.name}"

    @property
    def repository_arns(self) -> tuple[str, ...]:
        """No private repository: Envoy (and the AWS CLI) come from public registries, so the
        execution role may not pull from ECR."""
        return ()


class Workload(Protocol):
    """What a TaskGroup reads from the workload it runs (MeshServiceArgs, IngressGatewayArgs)."""

    @property
    def log_group(self) -> str:
        """The log group its tasks share."""
        ...

    @property
    def placement(self) -> TaskPlacement: ...

    @property
    def telemetry(self) -> Telemetry: ...

    @property
    def execution_role_description(self) -> str: ...

    @property
    def repository_arns(self) -> Sequence[pulumi.Input[str]]:
        """Private ECR repositories its images come from."""
        ...

    @property
    def tags(self) -> Mapping[str, str]: ...

    @property
    def existing(self) -> ExistingTaskResources:
        """What it brings of its own (nothing: ExistingTaskResources())."""
        ...

    @property
    def task_policy_arns(self) -> Mapping[str, pulumi.Input[str]]:
        """Managed policies the app needs (label → ARN), attached to each task role made for it."""
        ...


@dataclass(frozen=True)
class App:
    """The workload's own container."""

    image: pulumi.Input[str]
    port: int
    env: Mapping[str, pulumi.Input[str]]
    # Secure by default; False is a knowing loosening for an app that writes outside mounted volumes.
    read_only_root: bool = True
    port_mapping: Mapping[str, Any] | None = None  # default: the port, tcp
    health_check: Mapping[str, Any] | None = None  # ECS's container health check, if any


@dataclass(frozen=True)
class Capacity:
    """How big one task is and how many run."""

    size: TaskSize
    desired_count: int = 1
    autoscaling: Autoscaling | None = None


@dataclass(frozen=True)
class TaskArgs:
    """One ECS service of a TaskGroup: its names, roles' names, size and count, proxy and app.
    task_policy defaults to `<task_role>-inline`; app None runs the proxy alone (a gateway);
    registry, load balancer, grace period, alarms and depends_on default to none."""

    names: TaskNames  # ECS service, task family, log stream prefix
    task_role: str  # the task role's (and its inline policy's) logical name
    label: str  # who the task is, in its role's description: "products v1"
    capacity: Capacity
    proxy: Proxy | None
    app: App | None = None  # None: the proxy is the workload (a gateway)
    # The inline policy's name in its role; default `<task_role>-inline`.
    task_policy: str | None = None
    service_registry_arn: pulumi.Input[str] | None = None
    load_balancer: LoadBalancerTarget | None = None
    health_check_grace_period_seconds: int | None = None
    deployment_alarm_names: Sequence[pulumi.Input[str]] = ()
    # What must exist before tasks start, besides the roles' policies (e.g. the ALB's listener).
    depends_on: Sequence[pulumi.Resource] = ()
    # Service Connect: the service's serviceConnectConfiguration, given the task's log configuration
    # (the proxy logs beside the app).
    service_connect: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None
    deployment_configuration: Mapping[str, Any] | None = None  # an ECS deployment strategy


class TaskGroup:
    """The shared part of one workload's tasks, made as children of `parent` unless the workload
    brings its own (`workload.existing`): the log group (`<name>-logs`) and the execution role
    (`<name>-execution`, its inline policy `<policy_prefix>-execution-inline`, by default
    `<name>-execution-inline`). Each task gets its own task role, unless the workload brings one
    for all of them."""

    log_group_name: pulumi.Output[str]
    execution_role_arn: pulumi.Output[str]

    def __init__(
        self, name: str, parent: pulumi.Resource, workload: Workload, policy_prefix: str | None = None
    ) -> None:
        self._parent = parent
        self._workload = workload
        self._account = iam.account_id(parent)
        self._region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=parent)).region
        existing = workload.existing
        if existing.log_group_name is None:
            log_group = aws.cloudwatch.LogGroup(
                f"{name}-logs",
                name=workload.log_group,
                retention_in_days=workload.telemetry.log_retention_days,
                tags=dict(workload.tags),
                opts=child(parent),
            )
            self.log_group_name, log_group_arn = log_group.name, log_group.arn
        else:
            self.log_group_name = pulumi.Output.from_input(existing.log_group_name)
            log_group_arn = iam.log_group_arn(parent, self._account, self._region, self.log_group_name)
        # The execution role's policy, when the role is made here: tasks wait for it.
        self._execution_policies: list[pulumi.Resource] = []
        if existing.execution_role_arn is None:
            role = iam.task_role(
                f"{name}-execution",
                parent=parent,
                account_id=self._account,
                statements=iam.execution_statements([log_group_arn], workload.repository_arns),
                description=workload.execution_role_description,
                tags=workload.tags,
                policy_name=f"{policy_prefix or name}-execution-inline",
            )
            self.execution_role_arn = role.arn
            self._execution_policies = [role.policy] if role.policy else []
        else:
            self.execution_role_arn = pulumi.Output.from_input(existing.execution_role_arn)

    def _task_statements(self, task: TaskArgs) -> list[iam.Statement]:
        """What the task's identity must allow: its proxy's needs, and X-Ray's when tracing."""
        statements = list(task.proxy.task_statements) if task.proxy else []
        if self._workload.telemetry.tracing:
            statements.append(iam.xray_statement())
        return statements

    def task_role_policy(self, task: TaskArgs) -> pulumi.Output[str] | None:
        """The policy document the task's role needs, exactly the made role's inline policy (None:
        it needs nothing). A workload that brings its own task role must allow it there."""
        statements = self._task_statements(task)
        return iam.policy_document(statements) if statements else None

    def _task_role(self, task: TaskArgs) -> tuple[pulumi.Output[str], list[pulumi.Resource]]:
        """The task's role ARN and what tasks wait for: the workload's own role (nothing to wait
        for: its grants are its owner's), else a role made for this task alone."""
        workload = self._workload
        if workload.existing.task_role_arn is not None:
            return pulumi.Output.from_input(workload.existing.task_role_arn), []
        purpose = task.proxy.task_role_purpose if task.proxy else "no proxy; the app's own role"
        role = iam.task_role(
            task.task_role,
            parent=self._parent,
            account_id=self._account,
            statements=self._task_statements(task),
            description=f"{task.label}: {purpose}",
            tags=workload.tags,
            policy_name=task.task_policy,
            managed_policy_arns=workload.task_policy_arns,
        )
        return role.arn, role.grants

    def service(self, name: str, task: TaskArgs) -> FargateService:
        """One task definition and its ECS service (`name`), with the task's own role (or the
        workload's)."""
        workload = self._workload
        task_role_arn, task_role_grants = self._task_role(task)
        capacity = task.capacity
        return FargateService(
            name,
            FargateServiceArgs(
                service_name=task.names.ecs_service,
                family=task.names.family,
                placement=workload.placement,
                containers=self._containers(task),
                cpu=capacity.size.cpu,
                memory=capacity.size.memory,
                task_role_arn=task_role_arn,
                execution_role_arn=self.execution_role_arn,
                desired_count=capacity.desired_count,
                proxy_configuration=task.proxy.proxy_configuration if task.proxy else None,
                # Shared volumes the proxy's containers use (certificates, a fetched bootstrap).
                volumes=list(task.proxy.volumes) if task.proxy else [],
                service_registry_arn=task.service_registry_arn,
                load_balancer=task.load_balancer,
                autoscaling=capacity.autoscaling,
                health_check_grace_period_seconds=task.health_check_grace_period_seconds,
                deployment_alarm_names=task.deployment_alarm_names,
                service_connect_configuration=task.service_connect(self._logs(task))
                if task.service_connect
                else None,
                deployment_configuration=task.deployment_configuration,
                # Tasks started before their roles can act would fail their first deployment.
                depends_on=[
                    *task_role_grants,
                    *self._execution_policies,
                    *task.depends_on,
                ],
                tags=workload.tags,
            ),
            opts=child(self._parent),
        )

    def _logs(self, task: TaskArgs) -> dict[str, Any]:
        return containers.awslogs(self.log_group_name, self._region, task.names.log_stream_prefix)

    def _containers(self, task: TaskArgs) -> list[Container]:
        """App, then the proxy's containers, then the X-Ray daemon, all logging to the group."""
        telemetry = self._workload.telemetry
        logs = self._logs(task)
        result: list[Container] = []
        if task.app is not None:
            result.append(
                containers.app_container(
                    image=task.app.image,
                    port=task.app.port,
                    env={**task.app.env, **(task.proxy.app_environment if task.proxy else {})},
                    log_configuration=logs,
                    depends_on=task.proxy.app_depends_on if task.proxy else (),
                    read_only_root=task.app.read_only_root,
                    port_mapping=task.app.port_mapping,
                    health_check=task.app.health_check,
                )
            )
        if task.proxy is not None:
            result += task.proxy.containers(logs, telemetry.tracing)
        if telemetry.tracing:
            user = task.proxy.bypass_user if task.proxy else None
            result.append(
                containers.xray_container(image=telemetry.xray_image, log_configuration=logs, user=user)
            )
        return result
