"""Request and response models of the node API. The same models validate requests and
generate the OpenAPI document, so the spec is never written by hand."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Health(_Model):
    status: str = Field(description="`ok` when the node can read its database")
    party: str
    version: str
