"""Names longer than AWS allows are shortened with a stable hash; names that fit never change."""

from __future__ import annotations

import pytest

from fargate_mesh import naming
from fargate_mesh.facts import DNS_LABEL_MAX


@pytest.mark.parametrize("name", ["shop", "a" * 20])
def test_a_name_that_fits_is_kept(name: str) -> None:
    """GIVEN a name within the limit
    WHEN it is fitted to 20 characters
    THEN it comes back unchanged (so no live resource is renamed)"""
    assert naming.fit(name, 20) == name


def test_a_long_name_keeps_its_head_and_gets_a_stable_hash() -> None:
    """GIVEN two 40-character names that differ only in their last character
    WHEN each is fitted to 20 characters, twice
    THEN each is its first 13 characters, '-', and 6 hex digits: at most 20, the same every time,
    and different from the other's"""
    one, other = "a" * 39 + "1", "a" * 39 + "2"
    fitted = naming.fit(one, 20)
    assert len(fitted) == 20 and fitted.startswith("a" * 13 + "-")
    assert fitted == naming.fit(one, 20) != naming.fit(other, 20)


def test_a_head_ending_in_a_dash_does_not_double_it() -> None:
    """GIVEN a long name whose cut falls after a '-'
    WHEN it is fitted
    THEN the result has no '--' (App Mesh, DNS and IAM accept it as the original's style)"""
    assert "--" not in naming.fit("abcdefghijkl-" + "x" * 30, 20)


def test_names_built_from_long_spec_names_fit_aws() -> None:
    """GIVEN a 63-character mesh name and a version DNS label of 63 + 1 + 20 characters
    WHEN the edge, role and version DNS names are derived
    THEN the edge name leaves room for '-alb' and Pulumi's suffix in 32, a role name for the suffix in
    64, and the version's DNS label is one label of at most 63"""
    assert len(naming.edge_name("m" * 63)) + len("-alb") + 8 <= 32
    assert len(naming.role_logical_name("s" * 63 + "-v1-task")) + 8 <= 64
    label = naming.version_dns_name("s" * 63, "v" * 20, "shop.local").split(".")[0]
    assert len(label) <= DNS_LABEL_MAX
