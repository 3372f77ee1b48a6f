"""Reading YAML files users hand us, with errors that name the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import InputError


def read_yaml_mapping(path: str | Path) -> dict[str, Any]:
    """Load a YAML file whose top level must be a mapping."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(source, None, "file not found") from None
    except IsADirectoryError:
        raise InputError(source, None, "is a directory, not a file") from None
    except PermissionError:
        raise InputError(source, None, "permission denied") from None
    except UnicodeDecodeError:
        raise InputError(source, None, "not a UTF-8 text file") from None
    except OSError as error:
        raise InputError(source, None, f"cannot read: {error.strerror or error}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark is not None else None
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise InputError(source, line, f"not valid YAML: {problem}") from None
    if data is None:
        raise InputError(source, None, "file is empty")
    if not isinstance(data, dict):
        raise InputError(source, None, f"top level must be a mapping of keys, got a {type(data).__name__}")
    bad_keys = [key for key in data if not isinstance(key, str)]
    if bad_keys:
        raise InputError(source, repr(bad_keys[0]), "keys must be strings")
    return data
