"""Why a process of a local mesh failed, in one line, from what it wrote to its log.

A log can hold hundreds of lines before the one that matters: Envoy prints its whole startup before
the `[critical]` line that says why it refuses its config, and a Python app's reason is the last line
of its traceback, the exception. The reason is looked for in that order, then in the last error line
(`[error]` for Envoy, `ERROR:` as uvicorn logs it, e.g. "Could not import module"), and is otherwise
the last line the process wrote. The sample apps log JSON lines (their kit's format), whose
`message` may hold a whole traceback: those lines are read as the message they carry.
"""

from __future__ import annotations

import json
import re
import signal

MAX_REASON = 300  # characters: a reason is one line on a terminal, not a dump

# Envoy's default log format: [time][thread][level][logger] [source:line] message
_ENVOY_LINE = re.compile(
    r"^\[[^\]]*\]\[\d+\]\[(?P<level>critical|error)\]\[[^\]]*\] (?:\[[^\]]*\] )?(?P<message>.+)$"
)
# Envoy 1.3x: "error `<reason>` initializing config '<path>'"; older: "error initializing
# configuration '<path>': <reason>". A reason that spans lines is cut at its first.
_ENVOY_CONFIG = re.compile(r"error `(?P<reason>[^`]+)|error initializing configuration '[^']*': (?P<old>.+)")
_TRACEBACK = "Traceback (most recent call last):"
_LOGGED_ERROR = re.compile(r"^(?:ERROR|CRITICAL):\s+(?P<message>.+)$")


def describe_exit(code: int) -> str:
    """'exited with code 3', or 'was killed by SIGKILL' for a process a signal ended."""
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def failure_reason(output: str) -> str | None:
    """The one line of a process's output that says why it failed, or None for no output."""
    lines = [line.rstrip() for raw in output.splitlines() for line in _unwrapped(raw)]
    reason = _envoy_config_error(lines) or _python_exception(lines) or _last_error_line(lines)
    if reason is None:
        reason = next((line.strip() for line in reversed(lines) if line.strip()), None)
    if reason is None:
        return None
    return reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"


def _unwrapped(line: str) -> list[str]:
    """A JSON log line's message as the lines it holds; any other line as it is."""
    if not line.startswith("{"):
        return [line]
    try:
        record = json.loads(line)
    except ValueError:
        return [line]
    message = record.get("message") if isinstance(record, dict) else None
    return message.splitlines() if isinstance(message, str) and message else [line]


def _envoy_config_error(lines: list[str]) -> str | None:
    for line in lines:
        match = _ENVOY_LINE.match(line)
        if match and match["level"] == "critical":
            config = _ENVOY_CONFIG.search(match["message"])
            if config:
                return f"config rejected: {config['reason'] or config['old']}"
            return match["message"]
    return None


def _python_exception(lines: list[str]) -> str | None:
    """The exception line of the last traceback (after its indented frames; chained ones come before).
    The header may follow a log prefix: uvicorn logs a failed startup hook as "ERROR:    Traceback ..."."""
    starts = [i for i, line in enumerate(lines) if line.endswith(_TRACEBACK)]
    if not starts:
        return None
    for line in lines[starts[-1] + 1 :]:
        if line and not line[0].isspace():
            return line
    return None


def _last_error_line(lines: list[str]) -> str | None:
    for line in reversed(lines):
        envoy = _ENVOY_LINE.match(line)
        if envoy:
            return envoy["message"]
        logged = _LOGGED_ERROR.match(line)
        if logged:
            return logged["message"]
    return None
