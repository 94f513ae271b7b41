"""Business rules as plain dataclasses and pure functions (standard library only)."""
