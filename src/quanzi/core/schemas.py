"""Shapes shared by every domain's request and response models."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

# Ids travel as decimal strings: JavaScript numbers lose precision above 2**53.
IdOut = Annotated[
    int,
    PlainSerializer(lambda value: str(value), return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]+$", "examples": ["7393021983232000001"]}),
]
IdIn = Annotated[str, Field(pattern=r"^[0-9]{1,19}$", examples=["7393021983232000001"])]


class RequestModel(BaseModel):
    """Request bodies refuse unknown fields, so nothing can be mass-assigned (SECURITY.md API3)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorBody(BaseModel):
    code: str
    message: str
    details: object | None = None


class ErrorEnvelope(BaseModel):
    error: ErrorBody
