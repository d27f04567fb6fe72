"""docs/dataplanes.md is generated from the capability data: the checked-in page is the fresh one."""

from __future__ import annotations

import pytest

from fargate_mesh.model.capabilities import FEATURES
from fargate_mesh.model.dataplanes_doc import DOC, EMBEDDED_IN, embedded, render


def test_the_checked_in_page_is_what_the_data_generates():
    """GIVEN docs/dataplanes.md as committed
    WHEN the page is generated again from fargate_mesh/model/capabilities.py
    THEN they are the same (run `make dataplanes-doc` after changing a feature)"""
    assert DOC.read_text(encoding="utf-8") == render()


def test_the_page_lists_every_feature_and_what_to_do_instead():
    """GIVEN the generated page
    WHEN it is read
    THEN every feature has a row, and every refusal its advice"""
    page = render()
    for feature in FEATURES:
        assert f"| {feature.name} |" in page
        for instead in feature.unsupported_on.values():
            assert instead in page


@pytest.mark.parametrize("page", EMBEDDED_IN, ids=lambda p: p.name)
def test_a_data_planes_own_page_shows_the_current_table(page):
    """GIVEN a data plane's page (docs/serviceconnect.md) with the feature table between its markers
    WHEN the table is generated again
    THEN the page already holds it (run `make dataplanes-doc` after changing a feature)"""
    text = page.read_text(encoding="utf-8")
    assert text == embedded(text)
