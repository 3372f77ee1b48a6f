"""JSON Schemas of the two input formats, generated from the pydantic models that validate
them, so the schema and the validator cannot drift apart."""

from __future__ import annotations

import json
from typing import Union

from pydantic import TypeAdapter

from .errors import InputError
from .hardware.config import Hardware
from .workload.netfile import NetworkFile, SqueezeNextFamily

SCHEMAS = {
    "network": (Union[NetworkFile, SqueezeNextFamily], "sqnxt-sim network file (explicit layer list or family spec)"),
    "hw": (Hardware, "sqnxt-sim hardware config"),
}


def json_schema(kind: str) -> dict:
    if kind not in SCHEMAS:
        raise InputError("schema", None, f"unknown schema '{kind}'; choose one of: {', '.join(SCHEMAS)}")
    model, title = SCHEMAS[kind]
    schema = TypeAdapter(model).json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": title}


def json_schema_text(kind: str) -> str:
    return json.dumps(json_schema(kind), indent=2, sort_keys=True) + "\n"
