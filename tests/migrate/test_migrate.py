"""`python -m fargate_mesh.migrate`: the procedure from an App Mesh stack to a parallel stack on
another data plane, each step with a check and a rollback, its Route 53 changes valid API requests."""

from __future__ import annotations

import itertools
import json

import pytest

from fargate_mesh.migrate import MigrationError, migration_steps
from fargate_mesh.migrate.__main__ import main
from fargate_mesh.migrate.plan import endpoint_urn
from fargate_mesh.spec import Mesh, parse_mesh
from tests.aws.test_live_stacks import live_stack
from tests.contract.botocore_validate import validate
from tests.helpers.meshes import stack_mesh

# What the shell variables stand for, as AWS spells them, to check the batches against the API model.
SHELL_VALUES = {
    "$FROM_ALB_ZONE": "Z35SXDOTRQ7X7K",
    "$TO_ALB_ZONE": "Z35SXDOTRQ7X7K",
    "$FROM_ALB": "shop-dev-alb-123.us-east-1.elb.amazonaws.com",
    "$TO_ALB": "shop-envoy-alb-456.us-east-1.elb.amazonaws.com",
}


def with_values(batch: dict) -> dict:
    text = json.dumps(batch)
    for variable, value in SHELL_VALUES.items():
        text = text.replace(variable, value)
    return json.loads(text)


def weights(batch: dict) -> dict[str, int]:
    return {
        c["ResourceRecordSet"]["SetIdentifier"]: c["ResourceRecordSet"]["Weight"] for c in batch["Changes"]
    }


@pytest.fixture(scope="module")
def steps():
    return migration_steps("dev", stack_mesh("dev"), "envoy", stack_mesh("envoy"))


def test_every_step_has_a_check_and_a_rollback(steps):
    """GIVEN the procedure from dev to envoy WHEN its steps are read
    THEN it deploys envoy in parallel, gives its ALB dev's name, hands the name to weighted records,
    shifts clients in rising steps to 100 %, then retires dev; every step can be checked and undone."""
    assert [s.title for s in steps] == [
        "Deploy envoy beside dev",
        "Let envoy's ALB answer for api.dev.myshop.com",
        "Turn api.dev.myshop.com into weighted records, all on dev",
        "Send 10% of api.dev.myshop.com to envoy",
        "Send 50% of api.dev.myshop.com to envoy",
        "Send 100% of api.dev.myshop.com to envoy",
        "Retire dev",
    ]
    assert all(s.run and s.check and s.rollback for s in steps)
    assert "cannot be in App Mesh and on envoy at once" in steps[0].why


def test_each_shift_moves_weights_forward_and_its_rollback_restores_the_step_before(steps):
    """GIVEN the shift steps WHEN their batches are read
    THEN each sets dev and envoy to weights that add up to 100, envoy's rising, and each rollback sets
    exactly the weights the previous step left."""
    # The hand-over (0 %), the shifts, and the retirement (still 100 %).
    shifts = [s for s in steps if s.target_percent is not None][:-1]
    assert [s.target_percent for s in shifts] == [0, 10, 50, 100]
    for before, step in itertools.pairwise(shifts):
        (forward,) = step.batches
        (back,) = step.rollback_batches
        assert weights(forward) == {"dev": 100 - step.target_percent, "envoy": step.target_percent}
        assert weights(back) == {"dev": 100 - before.target_percent, "envoy": before.target_percent}
        assert all(c["Action"] == "UPSERT" for c in forward["Changes"] + back["Changes"])


def test_the_hand_over_is_one_atomic_batch_and_its_rollback_the_inverse(steps):
    """GIVEN the step that turns the simple alias into weighted records WHEN its batches are read
    THEN one batch deletes the simple record and creates both weighted ones (dev 100, envoy 0), and the
    rollback deletes those and creates the simple record as it was."""
    (hand_over,) = steps[2].batches
    (hand_back,) = steps[2].rollback_batches
    assert [(c["Action"], c["ResourceRecordSet"].get("SetIdentifier")) for c in hand_over["Changes"]] == [
        ("DELETE", None),
        ("CREATE", "dev"),
        ("CREATE", "envoy"),
    ]
    assert weights({"Changes": hand_over["Changes"][1:]}) == {"dev": 100, "envoy": 0}
    assert hand_back["Changes"][-1] == {**hand_over["Changes"][0], "Action": "CREATE"}


def test_every_change_batch_is_a_valid_route53_request(steps):
    """GIVEN every change batch the procedure sends, forward and back, with AWS's values for the shell
    variables WHEN checked against botocore's route53 model THEN it reports nothing."""
    batches = [b for s in steps for b in (*s.batches, *s.rollback_batches)]
    assert len(batches) == 10
    for batch in batches:
        params = {"HostedZoneId": "Z0123456789ABCDEFGHIJ", "ChangeBatch": with_values(batch)}
        assert validate("route53", "ChangeResourceRecordSets", params) == []


def test_the_urns_it_takes_out_of_the_source_stack_are_its_live_records():
    """GIVEN the URNs the procedure hands to `pulumi state delete` and `pulumi import`
    WHEN looked up in dev's live state THEN they are dev's alias and certificate validation records,
    under the PublicEndpoint the import names as parent."""
    live = live_stack("dev")
    mesh = stack_mesh("dev")
    assert live[endpoint_urn("dev", mesh, "alias")]["type"] == "aws:route53/record:Record"
    assert live[endpoint_urn("dev", mesh, "alias")]["inputs"]["name"] == mesh.domain
    assert live[endpoint_urn("dev", mesh, "cert-validation")]["type"] == "aws:route53/record:Record"
    assert live[endpoint_urn("dev", mesh, "")]["type"] == "fargatemesh:edge:PublicEndpoint"


def variant(stack: str, **changes) -> Mesh:
    spec = stack_mesh(stack).model_dump(by_alias=True, exclude_none=True)
    return parse_mesh({**spec, **changes})


@pytest.mark.parametrize(
    ("source", "target", "shift", "says"),
    [
        ("envoy", "dev", (100,), ["--from: its dataplane is envoy", "--to: its dataplane is appmesh"]),
        (
            "dev",
            {"hostedZone": "other.com", "domain": "api.other.com"},
            (100,),
            ["hostedZone: myshop.com and other.com differ"],
        ),
        ("dev", {"domain": "api.dev.myshop.com"}, (100,), ["domain: both are api.dev.myshop.com"]),
        ("dev", {"name": "shop-dev"}, (100,), ["name: both are shop-dev"]),
        ("dev", {}, (50, 10, 100), ["shift: [50, 10, 100] must rise strictly"]),
        ("dev", {}, (10, 50), ["shift: [10, 50]"]),
    ],
)
def test_a_pair_it_cannot_migrate_is_refused_with_every_reason(source, target, shift, says):
    """GIVEN a pair of stacks or shift steps this procedure does not fit WHEN the steps are asked for
    THEN one MigrationError names every problem."""
    target_mesh = stack_mesh(target) if isinstance(target, str) else variant("envoy", **target)
    with pytest.raises(MigrationError) as caught:
        migration_steps("a", stack_mesh(source), "b", target_mesh, shift)
    for text in says:
        assert text in str(caught.value)


def test_the_command_prints_the_procedure(capsys):
    """GIVEN the shipped dev and envoy stacks WHEN `python -m fargate_mesh.migrate --from dev --to envoy`
    runs THEN it prints every step with run, check and rollback, and exits 0."""
    assert main(["--from", "dev", "--to", "envoy"]) == 0
    out = capsys.readouterr().out
    assert out.count("\nrun:\n") == out.count("\ncheck:\n") == out.count("\nrollback:\n") == 7
    assert "## 6. Send 100% of api.dev.myshop.com to envoy" in out


def test_the_command_refuses_a_bad_pair_without_a_traceback(capsys):
    """GIVEN the stacks the wrong way round, or a stack that does not exist WHEN the command runs
    THEN it exits 2 with one line that says why."""
    assert main(["--from", "envoy", "--to", "dev"]) == 2
    assert "cannot migrate envoy to dev: --from: its dataplane is envoy" in capsys.readouterr().err
    assert main(["--from", "dev", "--to", "nowhere"]) == 2
    assert "cannot migrate dev to nowhere" in capsys.readouterr().err
