"""The recording mocks, shipped as fargate_mesh.testing; kept importable from here for the tests."""

from fargate_mesh.testing import *  # noqa: F403
from fargate_mesh.testing import __all__ as __all__
