"""The one error type users see.

Every problem with user input (a network file, a hardware file, an ONNX model, an output
path) is raised as :class:`InputError`. The CLI prints it as a single line and exits with
status 2; library callers can catch it. Anything else escaping is a bug in sqnxt-sim.
"""

from __future__ import annotations


class SqnxtError(Exception):
    """Base class of every error sqnxt-sim raises on purpose."""


class InputError(SqnxtError, ValueError):
    """Bad user input. ``source`` names the file (or network), ``field`` the place in it."""

    def __init__(self, source: str | None, field: str | None, problem: str) -> None:
        self.source = source
        self.field = field
        self.problem = problem
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = ": ".join(part for part in (self.source, self.field) if part)
        return f"{where}: {self.problem}" if where else self.problem


def describe_pydantic_error(source: str, error: "object", prefix: str = "") -> InputError:
    """Turn the first entry of a pydantic ValidationError into an InputError.

    The location tuple becomes a dotted path (``layers[3].kernel``) so the user can find the
    field in the file.
    """
    first = error.errors()[0]  # type: ignore[attr-defined]
    path = prefix
    for part in first.get("loc", ()):
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    message = first.get("msg", "invalid value")
    if first.get("type") == "extra_forbidden":
        message = "unknown key"
    elif first.get("type") == "missing":
        message = "required key is missing"
    value = first.get("input")
    if first.get("type") not in ("missing", "extra_forbidden") and _short(value):
        message += f" (got {value!r})"
    return InputError(source, path or None, message)


def _short(value: object) -> bool:
    return isinstance(value, (int, float, str, bool, type(None))) and len(repr(value)) <= 40
