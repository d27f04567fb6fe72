"""The spec's regex verdict against Envoy's own: what the spec accepts, Envoy accepts; what Envoy
refuses, the spec refuses. The spec is stricter only where another RE2 reading (UTF-8) would refuse."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fargate_mesh.localmesh.launch import envoy_validate
from fargate_mesh.render.envoy import render_gateway
from fargate_mesh.spec import SpecError, parse_mesh
from tests.helpers.meshes import compiled, fixed_plan
from tests.spec.test_regex_re2 import PYTHON_ONLY, RE2_ONLY, at_gateway

PLACEHOLDER = "/v1/placeholder-[0-9]+"
BOUNDARY = ["/v1/a{92}", "/v1/a{93}", r"/v1/\x{100}"]  # programs of 100 and 101; Latin-1 refuses \x{100}
# Refused by the spec, accepted by this Envoy: its RE2 counts 16 instructions, UTF-8 RE2 counts 1205.
STRICTER = [r"/v1/\pL+"]


def spec_accepts(pattern: str) -> bool:
    try:
        parse_mesh(at_gateway(pattern))
    except SpecError:
        return False
    return True


def test_envoy_and_the_spec_agree_on_every_corpus_regex(tmp_path: Path, envoy_path: str) -> None:
    """GIVEN the gateway config of a mesh with one regex path route
    WHEN its regex is replaced by each corpus pattern (Python-only, RE2-only, around the size limit)
    and Envoy validates the config
    THEN Envoy accepts exactly the patterns the spec accepts, but for the known stricter ones"""
    mesh = compiled(at_gateway(PLACEHOLDER))
    template = json.dumps(render_gateway(mesh, fixed_plan(mesh)))
    assert json.dumps(PLACEHOLDER) in template
    patterns = [p for p, _ in PYTHON_ONLY] + RE2_ONLY + BOUNDARY + STRICTER
    files = []
    for i, pattern in enumerate(patterns):
        path = tmp_path / f"gateway-{i}.json"
        path.write_text(template.replace(json.dumps(PLACEHOLDER), json.dumps(pattern)), encoding="utf-8")
        files.append(path)
    with ThreadPoolExecutor(max_workers=4) as pool:
        envoy = [
            result.returncode == 0 for result in pool.map(lambda f: envoy_validate(f, envoy_path), files)
        ]
    spec = [spec_accepts(p) for p in patterns]
    disagreements = [(p, e, s) for p, e, s in zip(patterns, envoy, spec, strict=True) if e != s]
    assert disagreements == [(p, True, False) for p in STRICTER], "(pattern, envoy accepts, spec accepts)"
    assert any(envoy) and not all(envoy)  # both verdicts occur, so agreement means something
