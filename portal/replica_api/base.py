"""Base class of every generated model in `models.py`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class APIModel(BaseModel):
    # Fields the spec doesn't (yet) name are kept, not rejected: the API may add fields.
    model_config = ConfigDict(extra="allow", populate_by_name=True)
