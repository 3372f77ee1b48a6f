"""The one error type users see.

Every problem with user input (a network file, a hardware file, an ONNX model, an output
path) is raised as :class:`InputError`. The CLI prints it as a single line and exits with
status 2; library callers can catch it. Anything else escaping is a bug in sqnxt-sim.
"""

from __future__ import annotations

# Longest source, field and problem text kept in the one-line message: a 1 MB layer name
# must not become a 1 MB error line.
_LIMITS = {"source": 300, "field": 200, "problem": 400}


class SqnxtError(Exception):
    """Base class of every error sqnxt-sim raises on purpose."""


class InputError(SqnxtError, ValueError):
    """Bad user input. ``source`` names the file (or network), ``field`` the place in it."""

    def __init__(self, source: str | None, field: str | None, problem: str) -> None:
        self.source = source
        self.field = field
        self.problem = problem
        super().__init__(self.one_line())

    def __reduce__(self):
        # Survives pickling, so an error raised in a sweep's worker process reaches the user.
        return type(self), (self.source, self.field, self.problem)

    def one_line(self) -> str:
        """Always a single printable line, whatever names or values the input carried."""
        parts = [one_line_text(text, _LIMITS[key]) for key, text in
                 (("source", self.source), ("field", self.field)) if text]
        where = ": ".join(parts)
        problem = one_line_text(self.problem, _LIMITS["problem"])
        return f"{where}: {problem}" if where else problem


def one_line_text(text: object, limit: int = 200) -> str:
    """``text`` with line breaks and other control characters escaped, cut to ``limit``."""
    text = str(text)
    clean = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text[: limit * 2])
    return clean if len(clean) <= limit and len(text) <= limit * 2 else clean[: limit - 3] + "..."


_TYPE_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "required key is missing",
    "model_type": "must be a mapping of keys",
    "model_attributes_type": "must be a mapping of keys",
    "dict_type": "must be a mapping of keys",
}


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
    kind = first.get("type")
    ctx = first.get("ctx") or {}
    message = _TYPE_MESSAGES.get(kind, first.get("msg", "invalid value"))
    if kind == "value_error":
        message = str(ctx.get("error", message))
    elif kind == "union_tag_not_found":
        message = f"required key {ctx.get('discriminator', '')} is missing"
    elif kind == "union_tag_invalid":
        key = str(ctx.get("discriminator", "")).strip("'")
        message = f"unknown {key} {str(ctx.get('tag'))[:40]!r}; expected one of {ctx.get('expected_tags')}"
    value = first.get("input")
    if kind not in ("missing", "extra_forbidden", "union_tag_invalid") and _short(value):
        message += f" (got {value!r})"
    return InputError(source, path or None, message)


def _short(value: object) -> bool:
    return isinstance(value, (int, float, str, bool, type(None))) and len(repr(value)) <= 40
