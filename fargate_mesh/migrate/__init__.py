"""Moving a stack from App Mesh to another data plane: a parallel stack, and traffic shifted at the edge.

    python -m fargate_mesh.migrate --from dev --to envoy      # prints the procedure for that pair

An ECS service cannot be in App Mesh and in another data plane at once (its tasks' proxy, its
discovery and its security group rules all differ), so nothing is migrated in place: the target
stack runs beside the source, and Route 53 weighted records move clients from one ALB to the other
in steps, each with its own rollback. plan.py writes the steps, route53.py the DNS changes.
"""

from fargate_mesh.migrate.plan import MigrationError, Step, migration_steps

__all__ = ["MigrationError", "Step", "migration_steps"]
