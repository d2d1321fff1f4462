"""Parties and their facilities."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from treatyledger.model.kinds import FacilityType
from treatyledger.model.text import Name

#: Identifiers are short and printable: they appear in file names, log origins and URLs.
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$"


class Party(BaseModel):
    """A treaty party: short id (``US``, ``RU``), name, Ed25519 public keys (raw, base64)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=IDENTIFIER_PATTERN)
    name: Name = Field(default="", max_length=200)
    public_keys: tuple[str, ...] = ()


class Facility(BaseModel):
    """A declared facility of one party."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=IDENTIFIER_PATTERN)
    party: str = Field(pattern=IDENTIFIER_PATTERN)
    type: FacilityType
    name: Name = Field(default="", max_length=200)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
