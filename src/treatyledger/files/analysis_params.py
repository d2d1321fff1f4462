"""Adapter: the upload/breakout parameter file (built-in or the user's own)."""

from __future__ import annotations

from pathlib import Path

from treatyledger.analysis.parameters import UploadParameters
from treatyledger.files.builtin import _data, _parse_toml, _read_user_toml

BUILTIN_PARAMETERS = "upload_parameters.toml"
HEDGE_INVENTORY = "us-2020-hedge"


def load_upload_parameters(path: Path | None = None) -> UploadParameters:
    """The built-in parameters (US forces about 2020), or those of the TOML file ``path``."""
    if path is None:
        resource = _data().joinpath("analysis", BUILTIN_PARAMETERS)
        data = _parse_toml(resource.read_text(encoding="utf-8"), path=BUILTIN_PARAMETERS)
        return UploadParameters.from_mapping(data, source=f"built-in {BUILTIN_PARAMETERS}")
    return UploadParameters.from_mapping(_read_user_toml(path), source=str(path))
