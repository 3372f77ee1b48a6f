"""Reading YAML files users hand us, with errors that name the file.

The YAML is read as plain data (mappings with string keys, lists, strings, numbers,
booleans, null; dates stay text) and checked for what would otherwise surface later as a
crash, a hang or a silent surprise: FIFOs and devices, duplicate keys, values YAML cannot
build (a 5,000-digit integer, ``!!float x``), recursive aliases, alias bombs, absurd nesting.
Numbers follow YAML 1.2: ``010`` is ten, ``1:0`` is text (YAML 1.1 would read 8 and 60).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 64  # nesting of mappings and lists; network files use 4
MAX_VALUES = 2_000_000  # after expanding aliases; a 10,000-layer network has ~100,000
_PLAIN = (str, int, float, bool, type(None))
_MERGE_TAG = "tag:yaml.org,2002:merge"


# libyaml's parser when PyYAML has it (4x faster on a 10,000-layer file), else pure Python.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """A safe loader that rejects duplicate keys, keeps dates as text and reports values it
    cannot build (a 5,000-digit integer, ``!!float x``) as YAML errors with their line."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _value in node.value:
                if key_node.tag == _MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                    continue
                ident = (key_node.tag, key_node.value)
                if ident in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key_node.value!r}", key_node.start_mark)
                seen.add(ident)
        return super().construct_mapping(node, deep=deep)


def _checked(construct):
    def construct_or_fail(loader, node):
        try:
            return construct(loader, node)
        except (ValueError, TypeError, AttributeError, OverflowError, KeyError) as error:
            if isinstance(error, yaml.YAMLError):
                raise
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read value {str(node.value)[:40]!r}", node.start_mark) from None

    return construct_or_fail


_DECIMAL = re.compile(r"[-+]?[0-9]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")


def _construct_int(loader, node):
    """Integers as YAML 1.2 reads them: ``010`` is ten, not eight (YAML 1.1's octal); what only
    YAML 1.1 calls a number (``1:0`` sexagesimal, ``0b11``, ``1_000``) stays text, so the field
    that wanted a number says so."""
    text = loader.construct_scalar(node)
    if _DECIMAL.fullmatch(text):
        return int(text, 10)
    if _HEX.fullmatch(text):
        return int(text[2:], 16)
    return text


def _construct_float(loader, node):
    """Floats as YAML 1.2 reads them: sexagesimal (``1:30.5``) and ``1_000.5`` stay text."""
    text = loader.construct_scalar(node)
    if ":" in text or "_" in text:
        return text
    return yaml.SafeLoader.construct_yaml_float(loader, node)


for _tag, _construct in (("bool", yaml.SafeLoader.construct_yaml_bool),
                         ("int", _construct_int),
                         ("float", _construct_float),
                         ("timestamp", yaml.SafeLoader.construct_yaml_str)):  # dates stay text
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _checked(_construct))


def read_yaml_mapping(path: str | Path) -> dict[str, Any]:
    """Load a YAML file whose top level must be a mapping."""
    source = str(path)
    text = _read_text(path, source)
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.reader.ReaderError as error:
        raise InputError(source, None, f"not a text file: contains character #x{error.character:04x}"
                         if isinstance(error.character, int) else "not a text file") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = f"line {mark.line + 1}" if mark is not None else None
        problem = getattr(error, "problem", None) or "syntax error"
        raise InputError(source, line, f"not valid YAML: {problem}") from None
    except RecursionError:
        raise InputError(source, None, "not valid YAML: nested too deeply") from None
    if data is None:
        raise InputError(source, None, "file is empty")
    if not isinstance(data, dict):
        kind = {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(
            type(data), type(data).__name__)
        raise InputError(source, None, f"top level must be a mapping of keys, got a {kind}")
    check_plain_data(data, source)
    return data


def path_exists(path: str | Path) -> bool:
    """Like Path.exists, but a name the OS rejects (too long, NUL byte) just does not exist."""
    try:
        return Path(path).exists()
    except (OSError, ValueError):
        return False


def _read_text(path: str | Path, source: str) -> str:
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(source, None, "is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would block or never end
            raise InputError(source, None, "not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise InputError(source, None, f"file too large ({info.st_size:,} bytes; limit {MAX_FILE_BYTES:,})")
        return Path(path).read_text(encoding="utf-8")
    except InputError:
        raise
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
    except ValueError:  # an embedded NUL in the path
        raise InputError(source, None, "not a valid file name") from None


def check_plain_data(data: Any, source: str) -> None:
    """Mappings with string keys, lists (or tuples) and scalars only; no cycles, bounded size
    and depth.

    Walks iteratively (no recursion limit) and counts a value reached through an alias
    every time it is reached, which is what validation would do.
    """
    stack: list[tuple[Any, str, int, bool]] = [(data, "", 0, False)]
    on_path: set[int] = set()
    count = 0
    while stack:
        value, path, depth, leaving = stack.pop()
        if leaving:
            on_path.discard(id(value))
            continue
        count += 1
        if count > MAX_VALUES:
            raise InputError(source, None, f"more than {MAX_VALUES:,} values (aliases expanded)")
        if isinstance(value, _PLAIN):
            continue
        field = path or None
        if not isinstance(value, (dict, list, tuple)):
            raise InputError(source, field, f"unsupported value (a {type(value).__name__})")
        if id(value) in on_path:
            raise InputError(source, field, "an alias refers to the value that contains it")
        if depth >= MAX_DEPTH:
            raise InputError(source, field, f"nested more than {MAX_DEPTH} levels deep")
        on_path.add(id(value))
        stack.append((value, path, depth, True))
        if isinstance(value, dict):
            children = []
            for key, item in value.items():
                if not isinstance(key, str):
                    raise InputError(source, field, f"keys must be strings (got {key!r})")
                children.append((item, f"{path}.{key}" if path else key, depth + 1, False))
        else:
            children = [(item, f"{path}[{i}]", depth + 1, False) for i, item in enumerate(value)]
        stack.extend(reversed(children))
