"""ECS on Fargate without any mesh: task/service, container definitions, IAM for tasks.

A mesh backend (App Mesh today, ECS Service Connect tomorrow) adds its own sidecar and wiring.
"""
