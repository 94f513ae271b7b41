"""Sections of pipefit.toml owned by one capability each (validated pydantic models)."""
