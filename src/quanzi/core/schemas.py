"""Shapes shared by every domain's request and response models."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema, model_validator

# Ids travel as decimal strings: JavaScript numbers lose precision above 2**53.
IdOut = Annotated[
    int,
    PlainSerializer(lambda value: str(value), return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]+$", "examples": ["7393021983232000001"]}),
]
IdIn = Annotated[str, Field(pattern=r"^[0-9]{1,19}$", examples=["7393021983232000001"])]


NUL_REFUSED = "Text may not contain the NUL character (U+0000)."


def nul_at(value: Any) -> list[str] | None:
    """Where a NUL character is in `value` (strings, and the keys and items of JSON objects and arrays,
    however deep), as the path to it; None when there is none."""
    if isinstance(value, str):
        return [] if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and "\x00" in key:
                return []
            inner = nul_at(item)
            if inner is not None:
                return [str(key), *inner]
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            inner = nul_at(item)
            if inner is not None:
                return [str(index), *inner]
    return None


class RequestModel(BaseModel):
    """Request bodies refuse unknown fields, so nothing can be mass-assigned (SECURITY.md API3), and
    refuse NUL in any text, however deep (free-form content included): PostgreSQL cannot store it in
    text, and no Quanzi text has a use for it. The path and query string are checked at the door
    (`core.http`)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul(cls, data: Any) -> Any:
        where = nul_at(data)
        if where is not None:
            raise ValueError(f"{'.'.join(where)}: {NUL_REFUSED}" if where else NUL_REFUSED)
        return data


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorBody(BaseModel):
    code: str
    message: str
    details: object | None = None


class ErrorEnvelope(BaseModel):
    error: ErrorBody
