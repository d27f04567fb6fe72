"""ECS on Fargate without any mesh: task/service, container definitions, IAM for tasks.

A data plane (App Mesh today, ECS Service Connect tomorrow) adds its own proxy (task.Proxy) and wiring.
"""
