"""The one-line reason picked from a failed process's output, for the shapes of output the end-to-end
tests (test_e2e_diagnostics) do not produce: chained tracebacks, output after a traceback, Envoy's
older wording, nothing at all."""

from __future__ import annotations

import signal

import pytest

from fargate_mesh.localmesh.diagnose import MAX_REASON, describe_exit, failure_reason

CHAINED = """\
Traceback (most recent call last):
  File "/app/settings.py", line 3, in <module>
    PORT = int(os.environ["PORT"])
ValueError: invalid literal for int() with base 10: 'eighty'

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/app/main.py", line 9, in <module>
    raise ConfigError("PORT must be a number") from err
app.errors.ConfigError: PORT must be a number
"""

ENVOY_OLD = """\
[2024-05-01 10:00:00.000][7][info][main] [source/server/server.cc:400] initializing epoch 0
[2024-05-01 10:00:00.100][7][critical][main] [source/server/server.cc:117] error initializing configuration \
'/run/envoy/gateway.json': Unable to parse JSON as proto (INVALID_ARGUMENT: unknown field "listners")
[2024-05-01 10:00:00.100][7][info][main] [source/server/server.cc:900] exiting
"""

ENVOY_ERROR_ONLY = """\
[2024-05-01 10:00:00.000][7][info][main] [source/server/server.cc:400] initializing epoch 0
[2024-05-01 10:00:00.200][7][error][config] [source/common/listener_manager/listener_impl.cc:300] \
listener 'lds_ingress_0.0.0.0_15000' failed to bind or apply socket options: cannot bind '127.0.0.1:15000': \
Address already in use
[2024-05-01 10:00:00.300][7][info][main] [source/server/server.cc:900] exiting
"""

# The sample apps' kit logs JSON lines; uvicorn's error logger puts the whole traceback in `message`.
KIT_JSON = (
    '{"level":"info","logger":"uvicorn.error","message":"Waiting for application startup."}\n'
    '{"level":"error","logger":"uvicorn.error","message":"Traceback (most recent call last):\\n'
    '  File \\"main.py\\", line 7, in lifespan\\n    raise RuntimeError(\\"no database\\")\\n'
    'RuntimeError: no database"}\n'
    '{"level":"error","logger":"uvicorn.error","message":"Application startup failed. Exiting."}\n'
)


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        pytest.param(CHAINED, "app.errors.ConfigError: PORT must be a number", id="chained-traceback-last"),
        pytest.param(
            CHAINED + "INFO:     Shutting down\n",
            "app.errors.ConfigError: PORT must be a number",
            id="lines-after-the-traceback",
        ),
        pytest.param(
            ENVOY_OLD,
            'config rejected: Unable to parse JSON as proto (INVALID_ARGUMENT: unknown field "listners")',
            id="envoy-older-wording",
        ),
        pytest.param(
            ENVOY_ERROR_ONLY,
            "listener 'lds_ingress_0.0.0.0_15000' failed to bind or apply socket options: cannot bind "
            "'127.0.0.1:15000': Address already in use",
            id="envoy-error-line",
        ),
        pytest.param(KIT_JSON, "RuntimeError: no database", id="a-traceback-inside-a-json-log-line"),
        pytest.param('{"message": "not a traceback"}\n{broken json\n', "{broken json", id="json-like-lines"),
        pytest.param("starting\nbye: disk full\n\n", "bye: disk full", id="otherwise-the-last-line"),
        pytest.param("", None, id="no-output"),
    ],
)
def test_failure_reason(output: str, reason: str | None) -> None:
    assert failure_reason(output) == reason


def test_a_long_reason_is_cut_to_one_terminal_line() -> None:
    reason = failure_reason("RuntimeError: " + "x" * 1000)
    assert reason is not None and len(reason) == MAX_REASON and reason.endswith("…")


@pytest.mark.parametrize(
    ("code", "said"),
    [(3, "exited with code 3"), (0, "exited with code 0"), (-signal.SIGKILL, "was killed by SIGKILL")],
)
def test_describe_exit(code: int, said: str) -> None:
    assert describe_exit(code) == said
